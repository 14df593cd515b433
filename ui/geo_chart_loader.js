// Loads plotly.js's geo bundle once per browser tab (a <script> in the document's head) and resolves
// to window.Plotly. Shared by the map page's early preload and the chart component (ui/geo_chart.py).
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
