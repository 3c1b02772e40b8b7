/** Planning: spec + env -> cells, request order, grid hash (pure). The runner executes plans. */
export { planGrid, type Plan, type PlanOptions } from './plan-grid';
