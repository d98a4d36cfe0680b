// The quantization calculator, live: every change of a control sends all the
// settings to Python (inferlab.llamacpp.calculator via the worker) and draws the frame
// it returns.  The numbers are the same as `python -m inferlab memory`.

export async function start(ctx) {
  const { root, call, apply, readForm, writeUrl } = ctx;
  const id = root.id;
  const start = JSON.parse(root.dataset.options || "{}");
  const form = root.querySelector("form");
  let seq = 0;

  const update = async () => {
    const mine = ++seq;
    const frame = await call("quant_update", { id, start, values: readForm() });
    if (mine !== seq) return; // a newer request is on its way
    apply(frame);
    writeUrl(frame.options);
  };
  await update();
  let pending = null;
  const later = () => {
    pending ??= requestAnimationFrame(() => {
      pending = null;
      update().catch((err) => console.info("inferfolio widgets:", err.message));
    });
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
}
