import { blackFridayOf, boxingDayOf, saleDates, saleDatesCovering } from '../../../src/domain/features/sales-calendar.js';

describe('sales calendar', () => {
  it('puts Black Friday the day after the fourth Thursday of November', () => {
    expect(blackFridayOf(2017)).toBe('2017-11-24');
    expect(blackFridayOf(2018)).toBe('2018-11-23'); // not the last Friday (30 Nov)
    expect(blackFridayOf(2019)).toBe('2019-11-29');
    expect(blackFridayOf(2020)).toBe('2020-11-27');
    expect(blackFridayOf(2023)).toBe('2023-11-24');
    expect(blackFridayOf(2024)).toBe('2024-11-29');
    for (let year = 2000; year <= 2040; year++) {
      const d = new Date(`${blackFridayOf(year)}T00:00:00Z`);
      expect(d.getUTCDay()).toBe(5);
      expect(d.getUTCDate()).toBeGreaterThanOrEqual(23);
      expect(d.getUTCDate()).toBeLessThanOrEqual(29);
    }
  });

  it('puts Boxing Day on 26 December', () => {
    expect(boxingDayOf(2018)).toBe('2018-12-26');
  });

  it('lists both events of every year in date order', () => {
    expect(saleDates(2018, 2019)).toEqual([
      { event: 'black_friday', date: '2018-11-23' },
      { event: 'boxing_day', date: '2018-12-26' },
      { event: 'black_friday', date: '2019-11-29' },
      { event: 'boxing_day', date: '2019-12-26' },
    ]);
    expect(() => saleDates(2019, 2018)).toThrow(RangeError);
  });

  it('covers a year before the earliest date and a year after the as-of date', () => {
    const dates = saleDatesCovering('2000-01-01', '2019-05-01');
    expect(dates[0]).toEqual({ event: 'black_friday', date: '1999-11-26' });
    expect(dates.at(-1)).toEqual({ event: 'boxing_day', date: '2020-12-26' });
  });
});
