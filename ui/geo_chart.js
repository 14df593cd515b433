// Draws one Plotly figure (a map) with plotly.js's geo bundle, served by the app itself from
// /app/static/vendor/ (1.4 MB, about a third of Streamlit's full Plotly bundle), and reports a click
// on a shape or marker back to Python as the trigger "click" ({location, customdata}).
// Streamlit calls this function on mount and again whenever the figure changes.

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__geoChartPlotly) {
    window.__geoChartPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error(url)));
      script.onerror = () => {
        window.__geoChartPlotly = null; // let a later render try again
        script.remove();
        reject(new Error(url));
      };
      document.head.appendChild(script);
    });
  }
  return window.__geoChartPlotly;
}

export default function ({ data, parentElement, setTriggerValue }) {
  performance.mark("geo-chart:mounted");
  const root = parentElement.querySelector(".geo-chart");
  // The newest setter is the one to call: this function runs again on every change of the figure.
  root.__sendClick = setTriggerValue;
  root.style.height = `${data.height}px`;
  let current = true;
  loadPlotly(data.bundle)
    .then((Plotly) => {
      if (!current) return;
      if (!window.__geoChartLocale) {
        Plotly.register(data.locale);
        window.__geoChartLocale = true;
      }
      // The base topology a geo subplot asks for, given here (empty: no world layer is ever drawn), so
      // plotly.js fetches nothing before it draws.
      window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
      Object.assign(window.PlotlyGeoAssets.topojson, data.topojson);
      performance.mark("geo-chart:plotly-ready");
      // Sent as JSON text (built once per process on the server: ui/figure_cache.py).
      const figure = JSON.parse(data.figure_json);
      return Plotly.react(root, figure.data, figure.layout, data.config).then(() => {
        performance.mark("geo-chart:drawn");
        if (root.__clickBound) return;
        root.__clickBound = true;
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
