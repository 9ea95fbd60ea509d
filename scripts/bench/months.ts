/** `beginDate`/`endDate` (yyyymmdd) of the `count` months that end with `lastMonth` ('YYYY-MM'), oldest first. */
export function monthDatesUpTo(lastMonth: string, count: number): { beginDate: string; endDate: string }[] {
  const [year, month] = lastMonth.split('-').map(Number) as [number, number];
  const day = (date: Date) => date.toISOString().slice(0, 10).replace(/-/g, '');
  return Array.from({ length: count }, (_, index) => {
    const first = new Date(Date.UTC(year, month - count + index, 1));
    const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
    return { beginDate: day(first), endDate: day(last) };
  });
}
