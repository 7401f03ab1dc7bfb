import { FONT_FAMILY } from "../render/index.ts";

/**
 * Sizes are SVG user units. A 640-unit figure printed at a column width of about 6.3 in puts
 * 12-unit text at ~8.5 pt, the smallest size that stays legible in print. Figures carry no title:
 * what a figure shows is said by its caption (LaTeX and HTML), as journals ask.
 */
export const THEME = {
  width: 640,
  fontFamily: `${FONT_FAMILY}, sans-serif`,
  fontSize: 12,
  /** Height of one legend line. */
  legendHeight: 20,
  ink: "#222222",
  muted: "#666666",
  /** Correct / wrong predictions: Okabe–Ito bluish green and vermillion (always with a word too). */
  good: "#009E73",
  bad: "#D55E00",
} as const;

/**
 * The Okabe–Ito palette: eight colours that stay distinct under the common colour-vision
 * deficiencies (deuteranopia, protanopia, tritanopia) and in greyscale print as far as eight can.
 */
export const OKABE_ITO = {
  orange: "#E69F00",
  skyBlue: "#56B4E9",
  bluishGreen: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  reddishPurple: "#CC79A7",
  black: "#000000",
} as const;

/** Series colours, fixed per series so that a colour means the same in every figure. */
export const SERIES_COLORS = {
  train_loss: OKABE_ITO.blue,
  val_loss: OKABE_ITO.vermillion,
  val_acc: OKABE_ITO.blue,
  val_kappa: OKABE_ITO.orange,
  val_macro_f1: OKABE_ITO.bluishGreen,
  val_auc: OKABE_ITO.reddishPurple,
  val_bal_acc: OKABE_ITO.skyBlue,
  precision: OKABE_ITO.blue,
  recall: OKABE_ITO.orange,
  f1: OKABE_ITO.bluishGreen,
  point: OKABE_ITO.blue,
  spread: OKABE_ITO.orange,
  ci: "#222222",
} as const;

/** A colour per categorical value, cycling through Okabe–Ito (without black, kept for ink). */
export const CATEGORICAL = [OKABE_ITO.blue, OKABE_ITO.orange, OKABE_ITO.bluishGreen, OKABE_ITO.vermillion, OKABE_ITO.reddishPurple, OKABE_ITO.skyBlue, OKABE_ITO.yellow] as const;
