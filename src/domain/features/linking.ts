/**
 * Linking return rows to purchase lines, in SQL (steps of the feature job).
 *
 * A return row (kind 'return') links to a purchase line (kind 'purchase') of the same buyer and
 * Item Code dated on or before it. Each return links to at most one purchase line and each
 * purchase line to at most one return. Lines carrying their own return ('purchase_and_return')
 * are already resolved and take no part.
 *
 * Pass 1, by transaction key: within a (buyer, Item Code, Transaction ID) group, when the key is
 * usable. An exact key is always usable. A lossy key (`5.36356E+13`, six significant digits) may
 * stand for several transactions, so it is trusted only when its group holds exactly one
 * purchase line and one return. Groups of one purchase and one return (nearly all of them) are
 * paired straight from the group aggregate; only larger exact-key groups go through the FIFO
 * windows below.
 * Pass 2, the fallback: returns left unlinked by pass 1 link to purchase lines left unlinked, of
 * the same buyer and Item Code, whatever their transaction key. Links made here are counted as
 * fallback links in the summary.
 *
 * Both passes match in date order, first in first out: events sorted by (date, purchases before
 * returns on the same day, line number); a return takes the oldest purchase still waiting, and
 * a return that finds none waiting stays unlinked. In SQL, with the running balance
 * S = purchases - returns so far, the returns dropped so far are D = max(0, -min(S)) (the
 * queue cannot go below zero), a return is matched when it leaves D unchanged, and the k-th
 * matched return takes the k-th purchase, k = returns so far - D.
 */
import type { SqlStep } from './sql-steps.js';

export type LinkMethod = 'key' | 'fallback' | 'same_row';

/** Views of the linking steps that several later steps read (SqlJob.cache), in dependency order. */
export const LINK_CACHED_VIEWS = ['fx_link_groups', 'fx_key_links', 'fx_links'] as const;

const ORDER = 'ORDER BY date, ev, line_number';
const UP_TO_HERE = 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';
const BEFORE_HERE = 'ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING';

/**
 * First-in-first-out matching of the events in view `events` (columns: the partition columns,
 * line_number, date, ev = 0 for a purchase and 1 for a return), producing view `<prefix>_links`
 * (purchase_line, return_line, purchase_date, return_date, method).
 */
export function fifoSteps(prefix: string, partition: readonly string[], events: string, method: LinkMethod): SqlStep[] {
  const by = partition.join(', ');
  const upToHere = `OVER (PARTITION BY ${by} ${ORDER} ${UP_TO_HERE})`;
  const beforeHere = `OVER (PARTITION BY ${by} ${ORDER} ${BEFORE_HERE})`;
  return [
    {
      name: `${prefix}_balance`,
      sql: `SELECT ${by}, line_number, date, ev,
  CAST(SUM(1 - ev) ${upToHere} AS BIGINT) AS purchases_so_far,
  CAST(SUM(ev) ${upToHere} AS BIGINT) AS returns_so_far,
  CAST(SUM(1 - 2 * ev) ${upToHere} AS BIGINT) AS balance
FROM ${events}`,
    },
    {
      name: `${prefix}_queue`,
      sql: `SELECT ${by}, line_number, date, ev,
  CASE WHEN ev = 0 THEN purchases_so_far WHEN dropped_after = dropped_before THEN returns_so_far - dropped_after END AS match_no
FROM (
  SELECT ${by}, line_number, date, ev, purchases_so_far, returns_so_far,
    GREATEST(0, 0 - MIN(balance) ${upToHere}) AS dropped_after,
    GREATEST(0, 0 - COALESCE(MIN(balance) ${beforeHere}, 0)) AS dropped_before
  FROM ${prefix}_balance
) t`,
    },
    {
      name: `${prefix}_links`,
      sql: `SELECT MAX(CASE WHEN ev = 0 THEN line_number END) AS purchase_line,
  MAX(CASE WHEN ev = 1 THEN line_number END) AS return_line,
  MAX(CASE WHEN ev = 0 THEN date END) AS purchase_date,
  MAX(CASE WHEN ev = 1 THEN date END) AS return_date,
  '${method}' AS method
FROM ${prefix}_queue
WHERE match_no IS NOT NULL
GROUP BY ${by}, match_no
HAVING COUNT(CASE WHEN ev = 0 THEN 1 END) = 1 AND COUNT(CASE WHEN ev = 1 THEN 1 END) = 1`,
    },
  ];
}

/**
 * Steps from fx_orders to fx_links (purchase_line, return_line, return_date, method,
 * return_lag_days = days from the purchase to the return), using the day numbers of fx_dates.
 */
export function fifoLinkSteps(): SqlStep[] {
  const ev = `CASE WHEN o.kind = 'return' THEN 1 ELSE 0 END AS ev`;
  const pairable = 'g.purchases = 1 AND g.returns = 1';
  return [
    {
      // Transaction-key groups that hold a return: the only groups pass 1 can link in.
      name: 'fx_link_groups',
      sql: `SELECT buyer_id, item_code, transaction_id,
  COUNT(CASE WHEN kind = 'purchase' THEN 1 END) AS purchases,
  COUNT(CASE WHEN kind = 'return' THEN 1 END) AS returns,
  MAX(CASE WHEN transaction_id_lossy THEN 1 ELSE 0 END) AS lossy,
  MAX(CASE WHEN kind = 'purchase' THEN line_number END) AS purchase_line,
  MAX(CASE WHEN kind = 'purchase' THEN date END) AS purchase_date,
  MAX(CASE WHEN kind = 'return' THEN line_number END) AS return_line,
  MAX(CASE WHEN kind = 'return' THEN date END) AS return_date
FROM fx_orders WHERE kind IN ('purchase', 'return')
GROUP BY buyer_id, item_code, transaction_id
HAVING COUNT(CASE WHEN kind = 'return' THEN 1 END) >= 1`,
    },
    {
      // Most groups hold one purchase and one return: FIFO on two events is a date comparison.
      name: 'fx_key_pairs',
      sql: `SELECT g.purchase_line, g.return_line, g.purchase_date, g.return_date, 'key' AS method
FROM fx_link_groups g
WHERE ${pairable} AND g.purchase_date <= g.return_date`,
    },
    {
      // Larger groups with an exact key (a lossy key is trusted only for one pair).
      name: 'fx_key_events',
      sql: `SELECT o.buyer_id, o.item_code, o.transaction_id, o.line_number, o.date, ${ev}
FROM fx_orders o
JOIN fx_link_groups g ON g.buyer_id = o.buyer_id AND g.item_code = o.item_code AND g.transaction_id = o.transaction_id
WHERE o.kind IN ('purchase', 'return') AND g.lossy = 0 AND g.purchases >= 1 AND NOT (${pairable})`,
    },
    ...fifoSteps('fx_key_fifo', ['buyer_id', 'item_code', 'transaction_id'], 'fx_key_events', 'key'),
    {
      name: 'fx_key_links',
      sql: `SELECT purchase_line, return_line, purchase_date, return_date, method FROM fx_key_pairs
UNION ALL
SELECT purchase_line, return_line, purchase_date, return_date, method FROM fx_key_fifo_links`,
    },
    {
      name: 'fx_fallback_returns',
      sql: `SELECT o.buyer_id, o.item_code, o.line_number, o.date, 1 AS ev
FROM fx_orders o
LEFT JOIN fx_key_links l ON l.return_line = o.line_number
WHERE o.kind = 'return' AND l.return_line IS NULL`,
    },
    {
      name: 'fx_fallback_events',
      sql: `SELECT o.buyer_id, o.item_code, o.line_number, o.date, 0 AS ev
FROM fx_orders o
JOIN (SELECT DISTINCT buyer_id, item_code FROM fx_fallback_returns) r ON r.buyer_id = o.buyer_id AND r.item_code = o.item_code
LEFT JOIN fx_key_links l ON l.purchase_line = o.line_number
WHERE o.kind = 'purchase' AND l.purchase_line IS NULL
UNION ALL
SELECT buyer_id, item_code, line_number, date, ev FROM fx_fallback_returns`,
    },
    ...fifoSteps('fx_fallback', ['buyer_id', 'item_code'], 'fx_fallback_events', 'fallback'),
    {
      name: 'fx_links',
      sql: `SELECT l.purchase_line, l.return_line, l.return_date, l.method, r.day - p.day AS return_lag_days
FROM (
  SELECT purchase_line, return_line, purchase_date, return_date, method FROM fx_key_links
  UNION ALL
  SELECT purchase_line, return_line, purchase_date, return_date, method FROM fx_fallback_links
) l
JOIN fx_dates p ON p.date = l.purchase_date
JOIN fx_dates r ON r.date = l.return_date`,
    },
  ];
}
