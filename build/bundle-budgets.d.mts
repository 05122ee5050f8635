export interface BundleBudget {
  id: string;
  bundleBudget: number;
  minBundleBudget: number;
}
export const MODULE_BUDGET: BundleBudget;
export const CORE_BUDGET: BundleBudget;
