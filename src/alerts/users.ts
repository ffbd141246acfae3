import { z } from 'zod';
import type { Queryable } from '../db/index.js';

export const NOTIFY = ['each', 'digest', 'none'] as const;
export type Notify = (typeof NOTIFY)[number];

export const notifySchema = z.object({
  email: z
    .string()
    .trim()
    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address such as keiyaku@pref.example.lg.jp')
    .max(254)
    .optional(),
  notify: z.enum(NOTIFY, { error: 'must be each, digest or none' }).default('each'),
});

/** A user's address for alert mail and how often they want it (SPEC §10). */
export async function setUserNotification(db: Queryable, userId: string, settings: { email: string | null; notify: Notify }): Promise<void> {
  await db`update users set email = ${settings.email}, notify = ${settings.notify} where id = ${userId}`;
}
