/** Planning: spec + overrides + env -> validated once -> cells, request order, grid hash (pure). The runner executes plans. */
export { planGrid, type Plan, type PlanOptions } from './plan-grid';
export { applyOverrides, type PlanOverrides } from './overrides';
export { planLevel, levelSpec } from './plan-level';
