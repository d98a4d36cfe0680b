// The pipeline widget, live: forwards the controls to the simulation in the
// worker and draws its frames.  It animates in real time by asking Python to
// advance(dt) by the seconds that passed; it pauses while the tab is hidden
// or the widget is off-screen, and steps less often under prefers-reduced-motion.

const TICK_MS = 100;
const REDUCED_TICK_MS = 500;

export async function start(ctx) {
  const { root, call, apply, readForm, writeUrl } = ctx;
  const id = root.id;
  const start = JSON.parse(root.dataset.options || "{}");
  const reduce = matchMedia("(prefers-reduced-motion: reduce)");
  const form = root.querySelector("form");

  const draw = (frame) => {
    apply(frame);
    if (frame.options) writeUrl(pick(frame.options));
  };
  draw(await call("pipeline_start", { id, start, values: readForm() }));
  for (const action of ctx.queued.splice(0)) if (action === "spike") draw(await call("pipeline_spike", { id }));

  let visible = true;
  let timer = 0;
  let last = performance.now();
  let busy = false;
  const io = new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible) schedule(0);
  });
  io.observe(root);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) schedule(0);
  });

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(tick, delay ?? (reduce.matches ? REDUCED_TICK_MS : TICK_MS));
  }

  async function tick() {
    if (!root.isConnected) {
      io.disconnect();
      call("pipeline_stop", { id }).catch(() => {});
      return;
    }
    const now = performance.now();
    if (document.hidden || !visible) {
      last = now; // a paused widget does not replay the time it was away
      return; // resumed by the observers above
    }
    if (busy) return schedule();
    const dt = Math.min((now - last) / 1000, 1);
    last = now;
    busy = true;
    try {
      const frame = await call("pipeline_advance", { id, dt });
      requestAnimationFrame(() => apply(frame));
    } finally {
      busy = false;
    }
    schedule();
  }

  let pending = null;
  const send = async () => {
    pending = null;
    draw(await call("pipeline_control", { id, values: readForm() }));
  };
  form.addEventListener("input", () => {
    pending ??= requestAnimationFrame(send);
  });
  form.addEventListener("change", () => {
    pending ??= requestAnimationFrame(send);
  });
  root.querySelector('[data-action="spike"]')?.addEventListener("click", async () => {
    draw(await call("pipeline_spike", { id }));
  });
  schedule();
}

/** The options worth sharing in a link (the live controls). */
function pick(options) {
  const out = {};
  for (const key of ["workers", "arrival_rate", "cache", "model", "quant", "hardware"]) out[key] = options[key];
  return out;
}
