// inferfolio widgets: the only script every page loads (a few hundred bytes).
// When the current page has a widget ([data-widget]), it imports widgets.js,
// which mounts the widgets; pages without one load nothing else.  Material's
// instant navigation swaps pages without reloading, so this runs on every
// emission of its document$ observable, not once.
const BASE = new URL(".", import.meta.url).href;
let loading = null;

function scan() {
  const roots = document.querySelectorAll("[data-widget]");
  if (roots.length === 0) return;
  const build = roots[0].dataset.build || "dev";
  loading ??= import(`${BASE}widgets.js?v=${encodeURIComponent(build)}`);
  loading
    .then((mod) => mod.mount(document, { base: BASE, build }))
    .catch((err) => {
      for (const root of roots) {
        root.dataset.state = "error";
        const mode = root.querySelector("[data-mode]");
        if (mode) mode.textContent = "Live mode is unavailable (the widget script did not load); the numbers shown are the static preview.";
      }
      console.warn("inferfolio widgets:", err);
    });
}

if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(scan);
else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
else scan();
