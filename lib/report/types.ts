/**
 * A figure is a plain plotly spec: JSON-serialisable, no DOM. Any plotly renderer (JupyterLab's
 * plotly MIME renderer, Plotly.newPlot in the HTML report) draws it as is.
 */
export type PlotlyTrace = Record<string, unknown>;
export type PlotlyLayout = Record<string, unknown>;

export interface Figure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

/** Decides whether a model name is a synthetic model; a Set of names, or a predicate. */
export type SyntheticModels = ReadonlySet<string> | ((model: string) => boolean);
