// One line per feature catalog, so features added side by side do not edit the same lines.
import hardeningEn from './hardening.en.json' with { type: 'json' };
import hardeningJa from './hardening.ja.json' with { type: 'json' };
import insurerEn from './insurer.en.json' with { type: 'json' };
import insurerJa from './insurer.ja.json' with { type: 'json' };
import noticesEn from './notices.en.json' with { type: 'json' };
import noticesJa from './notices.ja.json' with { type: 'json' };
import ledgerEn from './ledger.en.json' with { type: 'json' };
import ledgerJa from './ledger.ja.json' with { type: 'json' };
import alertsEn from './alerts.en.json' with { type: 'json' };
import alertsJa from './alerts.ja.json' with { type: 'json' };
import faultsEn from './faults.en.json' with { type: 'json' };
import faultsJa from './faults.ja.json' with { type: 'json' };
import guessingEn from './guessing.en.json' with { type: 'json' };
import guessingJa from './guessing.ja.json' with { type: 'json' };
import pagesEn from './pages.en.json' with { type: 'json' };
import pagesJa from './pages.ja.json' with { type: 'json' };
import certificateEn from './certificate.en.json' with { type: 'json' };
import certificateJa from './certificate.ja.json' with { type: 'json' };
import pdfEn from './pdf.en.json' with { type: 'json' };
import pdfJa from './pdf.ja.json' with { type: 'json' };

export const FEATURE_CATALOGS = [
  { ja: hardeningJa, en: hardeningEn },
  { ja: insurerJa, en: insurerEn },
  { ja: noticesJa, en: noticesEn },
  { ja: ledgerJa, en: ledgerEn },
  { ja: alertsJa, en: alertsEn },
  { ja: faultsJa, en: faultsEn },
  { ja: guessingJa, en: guessingEn },
  { ja: pagesJa, en: pagesEn },
  { ja: certificateJa, en: certificateEn },
  { ja: pdfJa, en: pdfEn },
] as const;
