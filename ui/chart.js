// Draws one Plotly figure with one of plotly.js's partial bundles ("basic": bar, scatter, pie; "geo":
// choropleth, scattergeo, scatter), served by the app itself from /app/static/vendor/ (1.2–1.4 MB,
// about a quarter of Streamlit's full Plotly bundle), and reports a click on a shape, marker or bar
// back to Python as the trigger "click" ({location, customdata}).
// Streamlit calls this function on mount and again whenever the figure changes.

// Each bundle sets window.Plotly as it runs. One page can hold charts of both bundles (the province
// page: bars and a district map), so each is kept under its URL and window.Plotly is put back as it
// was: a bundle's "load" event fires right after its script has run, before any other script runs.
window.__appChartPlotly = window.__appChartPlotly || {};

function loadPlotly(url) {
  const loaded = window.__appChartPlotly;
  if (!loaded[url]) {
    loaded[url] = new Promise((resolve, reject) => {
      const before = window.Plotly;
      const script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = () => {
        const Plotly = window.Plotly;
        window.Plotly = before;
        if (!Plotly || Plotly === before) reject(new Error(url));
        else resolve(Plotly);
      };
      script.onerror = () => {
        delete loaded[url]; // let a later render try again
        script.remove();
        reject(new Error(url));
      };
      document.head.appendChild(script);
    });
  }
  return loaded[url];
}

export default function ({ data, parentElement, setTriggerValue }) {
  performance.mark("chart:mounted");
  const root = parentElement.querySelector(".app-chart");
  // The newest setter is the one to call: this function runs again on every change of the figure.
  root.__sendClick = setTriggerValue;
  // No height: the container's (meeting mode's slides, which the page's CSS sizes), passed down through
  // the plain divs Streamlit wraps the component's HTML in.
  if (data.height) root.style.height = `${data.height}px`;
  else for (let e = root; e && e !== parentElement.parentElement; e = e.parentElement) e.style.height = "100%";
  let current = true;
  loadPlotly(data.bundle)
    .then((Plotly) => {
      if (!current) return;
      if (!Plotly.__appLocale) {
        Plotly.register(data.locale);
        Plotly.__appLocale = true;
      }
      // The base topology a geo subplot asks for, given here (empty: no world layer is ever drawn), so
      // plotly.js fetches nothing before it draws.
      window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
      Object.assign(window.PlotlyGeoAssets.topojson, data.topojson);
      performance.mark("chart:plotly-ready");
      // Sent as JSON text (built once per process on the server: ui/figure_cache.py).
      const figure = JSON.parse(data.figure_json);
      return Plotly.react(root, figure.data, figure.layout, data.config).then(() => {
        performance.mark("chart:drawn");
        if (root.__clickBound) return;
        root.__clickBound = true;
        // Follow the element's own size, not only the window's (plotly's "responsive"): the sidebar
        // opening or closing, or a column changing, resizes the chart as st.plotly_chart does; a chart
        // without a height of its own follows its container's height too.
        if (window.ResizeObserver) {
          let width = root.clientWidth;
          let height = root.clientHeight;
          new ResizeObserver(() => {
            const heightChanged = !data.height && root.clientHeight !== height;
            if ((root.clientWidth !== width || heightChanged) && root.clientWidth > 0 && root.clientHeight > 0) {
              width = root.clientWidth;
              height = root.clientHeight;
              Plotly.Plots.resize(root).catch(() => {}); // hidden meanwhile: the next change resizes it
            }
          }).observe(root);
        }
        root.on("plotly_click", (event) => {
          const point = (event.points || [])[0];
          if (!point) return;
          root.__sendClick("click", { location: point.location ?? null, customdata: point.customdata ?? null });
        });
      });
    })
    .catch((error) => {
      root.textContent = `${data.error_text} (${error.message})`;
    });
  return () => {
    current = false;
  };
}
