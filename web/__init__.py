"""HTTP routes served beside the Streamlit app by st.App (asgi.py): sign-in, sign-out, the sign-in gate."""
