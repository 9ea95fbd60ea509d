import { serveMonths } from '../archive/read-through';
import type { InvocationContext } from '../budget';
import type { MonthReply, RangeReply } from '../contract';
import { monthsBetween } from '../dates';
import { HandlerDependencies, createAnalyticsRuntime } from '../pipeline/invocation';
import type { ReportDefinition } from '../reports/report';
import { parseRequest } from '../request';

/**
 * The `main` of a function that serves one kind of figures: `{}`, `{ month }`, `{ beginDate, endDate }`
 * or `{ begin_date, end_date }` for one month, `{ from, to }` for a range (see `contract.ts`); in
 * third-party mode with `{ appid }`. Never throws for a caller; replies before the invocation's time limit.
 */
export function createReportHandler<Data>(report: ReportDefinition<Data>, dependencies: HandlerDependencies) {
  const runtime = createAnalyticsRuntime(dependencies);
  return async function main(event: unknown, context?: InvocationContext): Promise<MonthReply<Data> | RangeReply<Data>> {
    return runtime.run(context, async ({ principal, tenancy, monthly: base, timer }): Promise<MonthReply<Data> | RangeReply<Data>> => {
      // A timer run is decided by the platform: whatever its event carries, it asks for the last month.
      const { tenant, rest } = tenancy.tenantFor(timer ? {} : event, principal, base.client, true);
      if (!tenant) throw new Error('a report call serves one Mini Program');
      const monthly = { ...base, appid: tenant.appid, client: tenant.client };
      const request = parseRequest(rest, runtime.instance.now());
      if (request.kind === 'month') {
        const [outcome] = await serveMonths(report, [request.month], monthly);
        if (!outcome) throw new Error('serveMonths returned no month');
        return outcome.ok
          ? { ok: true, data: outcome.data, source: outcome.source, fetchedAt: outcome.fetchedAt, final: outcome.final }
          : { ok: false, error: outcome.error };
      }
      const outcomes = await serveMonths(report, monthsBetween(request.from, request.to), monthly);
      const firstFailure = outcomes.find((outcome) => !outcome.ok);
      if (firstFailure && !firstFailure.ok && outcomes.every((outcome) => !outcome.ok)) return { ok: false, error: firstFailure.error };
      return { ok: true, data: outcomes };
    });
  };
}
