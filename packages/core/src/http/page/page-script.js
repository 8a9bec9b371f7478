// wg-sync status page: draws each account's trend with uPlot (served by this deployment) and keeps
// the countdowns and times current. The status itself needs none of it.
(() => {
  const span = (ms) => {
    const minutes = Math.max(0, Math.round(Math.abs(ms) / 60000));
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (days >= 2) return `${days} days`;
    if (days === 1) return hours ? `1 day ${hours} h` : '1 day';
    if (hours) return mins ? `${hours} h ${mins} min` : `${hours} h`;
    return `${mins} min`;
  };
  const tick = () => {
    for (const el of document.querySelectorAll('time[data-countdown]')) {
      const left = Date.parse(el.dateTime) - Date.now();
      el.textContent =
        left > 0 ? `expires in ${span(left)}` : `expired ${span(left)} ago${el.dataset.countdown}`;
    }
  };
  const local = (at) => {
    try {
      return at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    } catch {
      return undefined; // a locale the browser cannot name (en-US@posix): the UTC text stays
    }
  };
  const localTimes = () => {
    for (const el of document.querySelectorAll('time:not([data-countdown])')) {
      const at = new Date(el.dateTime);
      const text = Number.isNaN(at.getTime()) ? undefined : local(at);
      if (text) {
        el.title = el.textContent;
        el.textContent = text;
      }
    }
  };

  const draw = (box) => {
    const source = document.getElementById(box.dataset.trend);
    if (!source || typeof uPlot !== 'function') return;
    const data = JSON.parse(source.textContent);
    if (data.t.length === 0) return;
    const colors = ['#d2691e', '#7b3fbf', '#0a7d6b'];
    const markers = data.written.map((w) => {
      const at = new Set(w.at);
      return data.kg.map((kg, i) => (at.has(i) ? kg : null));
    });
    const opts = {
      width: Math.max(280, box.clientWidth),
      height: 260,
      scales: { x: { time: true }, kg: { auto: true }, fat: { auto: true } },
      axes: [
        {},
        { scale: 'kg', label: 'kg' },
        { scale: 'fat', side: 1, label: 'fat %', grid: { show: false } },
      ],
      series: [
        {},
        { label: 'Weight (kg)', scale: 'kg', stroke: '#1f5fbf', width: 2, points: { show: true, size: 4 } },
        { label: 'Body fat (%)', scale: 'fat', stroke: '#6b7b8c', dash: [6, 4], width: 1.5, spanGaps: true },
        ...data.written.map((w, i) => ({
          label: `Written to ${w.name}`,
          scale: 'kg',
          stroke: colors[i % colors.length],
          fill: colors[i % colors.length],
          paths: () => null,
          points: { show: true, size: 9, width: 2 },
        })),
      ],
    };
    const chart = new uPlot(opts, [data.t, data.kg, data.fat, ...markers], box);
    box.dataset.points = String(chart.data[0].length);
    box.dataset.weightPoints = String(chart.data[1].filter((v) => v !== null).length);
    box.dataset.fatPoints = String(chart.data[2].filter((v) => v !== null).length);
    box.dataset.writtenPoints = String(markers.flat().filter((v) => v !== null).length);
    window.addEventListener('resize', () =>
      chart.setSize({ width: Math.max(280, box.clientWidth), height: 260 }),
    );
  };
  for (const box of document.querySelectorAll('[data-trend]')) draw(box);
  localTimes();
  tick();
  setInterval(tick, 30000);
})();
