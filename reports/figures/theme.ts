import { FONT_FAMILY } from "../render/index.ts";

/**
 * Sizes are SVG user units. A 640-unit figure printed at a column width of about 6.3 in puts
 * 12-unit text at ~8.5 pt, the smallest size that stays legible in print.
 */
export const THEME = {
  width: 640,
  fontFamily: `${FONT_FAMILY}, sans-serif`,
  fontSize: 12,
  titleSize: 14,
  /** Height of the title line at the top of a figure. */
  titleHeight: 26,
  /** Height of one legend line. */
  legendHeight: 20,
  ink: "#222222",
  muted: "#666666",
  good: "#2e7d32",
  bad: "#c62828",
} as const;

/** Series colours (Tableau 10), fixed per series so that a colour means the same in every figure. */
export const SERIES_COLORS = {
  train_loss: "#4e79a7",
  val_loss: "#e15759",
  val_acc: "#4e79a7",
  val_kappa: "#f28e2b",
  val_macro_f1: "#59a14f",
  val_auc: "#e15759",
  val_bal_acc: "#76b7b2",
  precision: "#4e79a7",
  recall: "#f28e2b",
  f1: "#59a14f",
  point: "#4e79a7",
  spread: "#f28e2b",
  ci: "#222222",
} as const;
