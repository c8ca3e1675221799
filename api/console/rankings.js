'use strict';
// Provider / physician risk ranking view (GET /api/v1/rankings). Uses app.js's helpers (api, esc, t, money, chart, main).
async function renderRankings() {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const subject = q.get('subject') === 'physician' ? 'physician' : 'provider';
  const offset = Number(q.get('offset') || 0);
  const r = await api(`/api/v1/rankings?subject=${subject}&limit=50&offset=${offset}`);
  const tab = (s) => `<a href="#/rankings?subject=${s}" class="tab ${s === subject ? 'active' : ''}">${esc(t(`rank_${s}`))}</a>`;
  main().innerHTML = `<div class="card"><h2>${esc(t('nav_rankings'))}</h2><div class="tabs">${tab('provider')}${tab('physician')}</div>
      <p class="muted">${esc(t('rank_hint'))}</p>
      ${r.items.length ? `<div id="ch-rank" class="chart" style="height:${Math.max(200, Math.min(r.items.length, 15) * 24 + 40)}px"></div>` : ''}
      <table id="rankings"><tr><th class="num">#</th><th>${esc(t('provider'))}</th>${subject === 'physician' ? `<th>${esc(t('physician'))}</th>` : ''}<th>${esc(t('region'))}</th><th class="num">${esc(t('score'))}</th><th class="num">${esc(t('alerts'))}</th><th>${esc(t('family'))}</th><th class="num">${esc(t('amount'))}</th></tr>
      ${r.items.map((x) => `<tr class="clickable" data-fix="${esc(x.fixmedins_code)}"><td class="num">${esc(x.rank)}</td><td>${esc(x.fixmedins_name || '')} <span class="muted">${esc(x.fixmedins_code)}</span></td>${subject === 'physician' ? `<td>${esc(x.bilg_dr_codg)}</td>` : ''}<td>${esc(x.admdvs || '')}</td>
        <td class="num"><b>${Number(x.risk_score).toFixed(2)}</b></td><td class="num">${esc(x.alerts)}</td><td>${x.families.map((f) => `<span class="badge" title="${esc(f)}">${esc(familyText(f))}</span>`).join(' ')}</td><td class="num">${money(x.amount_at_risk)}</td></tr>`).join('')}</table>
      ${r.items.length ? '' : `<p class="muted">${esc(t('no_rankings'))}</p>`}
      <div class="pager"><button class="secondary" id="rk-prev" ${offset === 0 ? 'disabled' : ''}>${esc(t('prev'))}</button><span>${r.total ? offset + 1 : 0}–${Math.min(offset + r.limit, r.total)} / ${r.total}</span><button class="secondary" id="rk-next" ${offset + r.limit >= r.total ? 'disabled' : ''}>${esc(t('next'))}</button></div></div>`;
  document.querySelectorAll('#rankings tr[data-fix]').forEach((tr) => { tr.onclick = () => { location.hash = `#/cases?fixmedins_code=${encodeURIComponent(tr.dataset.fix)}`; }; });
  const go = (o) => { location.hash = `#/rankings?subject=${subject}&offset=${o}`; };
  $('#rk-prev').onclick = () => go(Math.max(0, offset - r.limit));
  $('#rk-next').onclick = () => go(offset + r.limit);
  if (r.items.length) {
    const top = r.items.slice(0, 15).reverse();
    const label = (x) => `${x.fixmedins_name || x.fixmedins_code}${x.bilg_dr_codg ? ' / ' + x.bilg_dr_codg : ''}`;
    chart($('#ch-rank'), { tooltip: {}, grid: { left: 220, right: 40, top: 10, bottom: 20 }, xAxis: { type: 'value', max: 100, name: t('score') },
      yAxis: { type: 'category', data: top.map(label) }, series: [{ type: 'bar', data: top.map((x) => x.risk_score), itemStyle: { color: '#b45309' }, label: { show: true, position: 'right' } }] });
  }
}
