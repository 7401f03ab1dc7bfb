import { join } from "node:path";
import { latexEscape } from "../tables/latex-escape.ts";
import { runLabel } from "../tables/metrics-table.ts";
import type { SectionFigure } from "../tables/section.ts";
import type { PerRunFigures } from "./sections.ts";
import type { ReportFigure } from "./types.ts";

/**
 * The section's figure floats, in order: each cross-run figure alone, the HPO plots as one group,
 * then the seeds of each kind (confusion, training curves, Grad-CAM) side by side as sub-figures.
 */
export function sectionFigures(input: { assetsDir: string; crossRun: readonly ReportFigure[]; hpo: readonly ReportFigure[]; perRun: PerRunFigures; composites: readonly ReportFigure[] }): SectionFigure[] {
  const pdf = (f: ReportFigure) => join(input.assetsDir, `${f.name}.pdf`);
  const single = (f: ReportFigure, width = 0.8): SectionFigure => ({ panels: [{ file: pdf(f), sublabel: "" }], caption: latexEscape(f.caption), label: f.name, width });
  const group = (which: "train" | "confusion" | "gradcam"): SectionFigure[] => {
    const shown = input.perRun.filter(({ figs }) => figs[which] !== null);
    if (shown.length === 0) return [];
    if (shown.length === 1) return [single(shown[0]?.figs[which] as ReportFigure, 0.7)];
    const caption = input.composites.find((c) => c.name === `density_${which}_seeds`)?.caption ?? "";
    return [
      {
        panels: shown.map(({ run, figs }) => ({ file: pdf(figs[which] as ReportFigure), sublabel: latexEscape(`seed ${runLabel(run)}`) })),
        caption: latexEscape(caption),
        label: `density_${which}_seeds`,
        columns: 3,
      },
    ];
  };
  const hpoGroup: SectionFigure[] = input.hpo.length
    ? [
        {
          panels: input.hpo.map((f) => ({ file: pdf(f), sublabel: latexEscape(f.name.replace("density_hpo_", "").replace("trials", "history")) })),
          caption: latexEscape(`Hyperparameter search. ${input.hpo.map((f, i) => `(${String.fromCharCode(97 + i)}) ${f.caption}`).join(" ")}`),
          label: "density_hpo",
          columns: 2,
        },
      ]
    : [];
  const singles = input.crossRun.filter((f) => !input.hpo.includes(f)).map((f) => single(f));
  return [...singles, ...hpoGroup, ...group("confusion"), ...group("train"), ...group("gradcam")];
}
