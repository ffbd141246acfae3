import type { LedgerViewData } from '../../src/render/ledger-view-data.js';

const contract = {
  id: 'c-1',
  orgId: 'hiroshima',
  reference: 'FK-2024-001',
  projectName: '二級河川芦田川護岸改修工事',
  contractor: { name: '備後建設株式会社', email: 'keiyaku@bingo.example' },
  contractPrice: 88_000_000,
  contractDate: '2024-06-10',
  period: { from: '2024-06-11', to: '2025-02-28' },
  required: ['interim_advance_payment', 'contract'] as Array<'interim_advance_payment' | 'contract'>,
  section: '土木課',
  createdAt: new Date('2024-06-10T00:00:00Z'),
  updatedAt: new Date('2024-11-01T00:00:00Z'),
  changedAt: new Date('2024-11-01T00:00:00Z'),
};

/** One sample of each ledger view, for the renderer's every-page tests. */
export const ledgerViewSamples: LedgerViewData = {
  'contracts-list': {
    search: { q: '芦田川', state: 'attention', sort: 'reference', order: 'asc' },
    items: [
      {
        ...contract,
        state: 'attention',
        guarantees: [
          { kind: 'interim_advance_payment', state: 'needs_change', archiveId: 'arc-1', number: '2070004426', revision: 0 },
          { kind: 'contract', state: 'missing', archiveId: null, number: null, revision: null },
        ],
      },
    ],
    paging: { next: 'cursor-2' },
  },
  contract: {
    contract: {
      ...contract,
      state: 'attention',
      guarantees: [
        {
          kind: 'interim_advance_payment',
          state: 'needs_change',
          archiveId: 'arc-1',
          number: '2070004426',
          revision: 0,
          checks: [
            { name: 'guarantee-period', result: 'failed', detail: '保証期間の終期が工期の終期より前です。' },
            { name: 'contract-price', result: 'passed', detail: '一致します。' },
          ],
          certificateKind: 'interim_advance_payment',
          acceptedInPlace: null,
          certificateId: 'cert-1',
          revisionType: 'new',
          issuedOn: '2024-10-01',
          unfiledRevision: 1,
          changedAfterIssue: true,
        },
        {
          kind: 'contract',
          state: 'ok',
          archiveId: 'arc-2',
          number: 'TK00123456',
          revision: 0,
          checks: [],
          certificateKind: 'performance_bond',
          acceptedInPlace: 'insurer.acceptedAsContract',
          certificateId: 'cert-2',
          revisionType: 'new',
          issuedOn: '2024-10-01',
          unfiledRevision: null,
          changedAfterIssue: false,
        },
      ],
    },
  },
  'contract-form': {
    values: { reference: 'FK-2024-002', projectName: '', contractPrice: '88,000,000円' },
    kinds: [
      { kind: 'advance_payment', checked: true },
      { kind: 'interim_advance_payment', checked: false },
      { kind: 'contract', checked: true },
    ],
    errors: [{ code: 'field_required', field: 'projectName' }],
  },
  'contracts-import': {
    preview: {
      draft: 'd-1',
      created: 1,
      updated: 0,
      unchanged: 0,
      rows: [
        {
          line: 2,
          reference: 'FK-2024-001',
          action: 'create',
          changeContract: false,
          input: {
            projectName: contract.projectName,
            contractor: { name: contract.contractor.name },
            contractPrice: 88_000_000,
            contractDate: '2024-06-10',
            period: contract.period,
            required: ['contract'],
          },
        },
      ],
    },
  },
};
