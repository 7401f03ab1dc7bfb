import type * as PlotModule from "@observablehq/plot";

/**
 * Observable Plot, loaded so that figures are the same bytes everywhere. Plot decides once, when
 * its module is evaluated, whether to shift marks by half a pixel: not when `window.devicePixelRatio
 * > 1`, else only when a free identifier `it` is undefined (a test-runner heuristic). Under
 * `bun test` Bun binds a free `it` to its test function in freshly transpiled files, so the same
 * figure came out with or without the shift depending on Bun's transpiler cache. Plot is required
 * here, synchronously (nothing else runs in between), with a stand-in `window` of ratio 2, so the
 * shift is always off; the stand-in is removed before anything else can see it. Every module that
 * draws with Plot imports it from here (a test checks).
 */
function loadPlot(): typeof PlotModule {
  const g = globalThis as Record<string, unknown>;
  const saved = Object.getOwnPropertyDescriptor(g, "window");
  g.window = { devicePixelRatio: 2 };
  try {
    return require("@observablehq/plot") as typeof PlotModule;
  } finally {
    if (saved) Object.defineProperty(g, "window", saved);
    else delete g.window;
  }
}

export const Plot = loadPlot();
