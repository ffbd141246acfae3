/** What the contract ledger's views expect (SPEC §9). */
import type { ContractSortKey, ContractState, ContractSummary, ContractWithGuarantees, CsvError, ImportPlan, Requirement } from '../ledger/index.js';
import type { FormError, Paging } from './view-data.js';

export interface ContractListSearch {
  q?: string;
  state?: ContractState | '';
  sort: ContractSortKey;
  order: 'asc' | 'desc';
}

export interface LedgerViewData {
  'contracts-list': { search: ContractListSearch; items: ContractSummary[]; paging: Paging; errors?: FormError[] };
  contract: { contract: ContractWithGuarantees };
  /** `reference` is set when editing an existing contract. */
  'contract-form': {
    reference?: string;
    values: Record<string, string>;
    kinds: Array<{ kind: Requirement; checked: boolean }>;
    errors?: FormError[];
  };
  'contracts-import': {
    preview?: { draft: string; rows: ImportPlan['rows']; created: number; updated: number; unchanged: number };
    csvErrors?: CsvError[];
    formErrors?: FormError[];
    done?: { created: number; updated: number };
  };
}
