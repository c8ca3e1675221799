'use strict';
// FundWatch console: a small hash-routed page over /api/v1. All text from the API is escaped.
const state = { user: null, csrf: null, lang: localStorage.getItem('fw_lang') || 'zh', charts: [] };
const t = (k) => (window.I18N[state.lang] && window.I18N[state.lang][k]) || window.I18N.zh[k] || k;
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const money = (v) => (typeof v === 'number' ? v.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '—');
const $ = (sel) => document.querySelector(sel);
const kv = (o) => (o && typeof o === 'object' ? Object.entries(o).slice(0, 6).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ') : '');
const main = () => $('#main');
const STATUS_ZH = { new: '新建', assigned: '已分派', in_review: '审核中', expert_review: '专家评审', decided: '已决定', appeal: '申诉中', closed: '已结案' };
const statusText = (s) => (state.lang === 'zh' ? STATUS_ZH[s] || s : s);
const FAMILY_ZH = { impersonation: '冒名就医', upcoding: '高套/串换', prescription: '超量/重复开药', high_cost: '异常高额费用', billing: '知识点规则', admission: '分解住院/挂床', provider_pattern: '机构行为异常', data_quality: '数据质量' };
const familyText = (f) => (state.lang === 'zh' ? FAMILY_ZH[f] || f : f);

// Bumped by every render(): a view whose data arrives after a newer render has started (the user, or the login,
// moved on) must not write the page, or a slow earlier view overwrites the one asked for last.
let renderSeq = 0;

async function api(path, opts = {}) {
  const seq = renderSeq;
  // Every state-changing request carries the session's CSRF token (given at login and by /api/v1/me).
  const csrf = opts.method && opts.method !== 'GET' && state.csrf ? { 'x-csrf-token': state.csrf } : {};
  const res = await fetch(path, { credentials: 'same-origin', ...opts, headers: { ...(opts.body && !(opts.body instanceof FormData) ? { 'content-type': 'application/json' } : {}), ...csrf, ...(opts.headers || {}) } });
  const type = res.headers.get('content-type') || '';
  const body = type.includes('json') ? await res.json() : await res.text();
  if (res.status === 401 && !path.startsWith('/auth/')) { state.user = null; render(); throw new Error(body.message || 'unauthorized'); }
  if (!res.ok) throw new Error((body && body.message) || res.statusText);
  if (!opts.method && seq !== renderSeq) return new Promise(() => {}); // stale read: the view waiting for it stops here
  return body;
}
const post = (path, data) => api(path, { method: 'POST', body: JSON.stringify(data || {}) });

function navFor(role) {
  if (role === 'civil_affairs') return [['referrals', 'nav_referrals']];
  if (role === 'institution') return [['institution', 'nav_institution']];
  const items = [['queue', 'nav_queue'], ['cases', 'nav_cases'], ['dashboard', 'nav_dashboard'], ['rankings', 'nav_rankings'], ['detectors', 'nav_detectors'], ['runs', 'nav_runs'], ['referrals', 'nav_referrals']];
  if (['admin', 'auditor', 'supervisor'].includes(role)) items.push(['audit', 'nav_audit']);
  return role === 'auditor' ? items.filter(([k]) => k !== 'queue') : items;
}

function renderChrome() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t(el.dataset.t); });
  $('#lang').textContent = state.lang === 'zh' ? 'EN' : '中文';
  const route = (location.hash.slice(2) || '').split('?')[0].split('/')[0];
  $('#nav').innerHTML = state.user ? navFor(state.user.role).map(([k, label]) => `<a href="#/${k}" class="${route === k ? 'active' : ''}">${esc(t(label))}</a>`).join('') + `<a href="/docs" target="_blank">${esc(t('nav_docs'))}</a>` : '';
  $('#who').textContent = state.user ? `${state.user.user_id} · ${state.user.role_zh}` : '';
  $('#logout').hidden = !state.user;
}

async function renderBanners() {
  if (!state.user) { $('#banners').innerHTML = ''; return; }
  try {
    const s = await api('/api/v1/status');
    $('#banners').innerHTML = s.banners.map((b) => `<div class="banner ${esc(b.level)}" data-code="${esc(b.code)}">⚠ ${esc(b.message)}${b.run_id ? ` <a href="#/runs/${esc(b.run_id)}">${esc(t('report'))}</a>` : ''}</div>`).join('');
  } catch { $('#banners').innerHTML = ''; }
}

function disposeCharts() { state.charts.forEach((c) => c.dispose()); state.charts = []; }
function chart(el, option) { const c = window.echarts.init(el); c.setOption({ animation: false, ...option }); state.charts.push(c); return c; }

async function render() {
  renderSeq++;
  disposeCharts();
  renderChrome();
  if (!state.user) return renderLogin();
  await renderBanners();
  const [route, id] = (location.hash.slice(2) || '').split('?')[0].split('/');
  const fallback = navFor(state.user.role)[0][0];
  try {
    switch (route) {
      case 'queue': return await renderQueue();
      case 'cases': return id ? await renderCase(decodeURIComponent(id)) : await renderCases();
      case 'dashboard': return await renderDashboard();
      case 'rankings': return await renderRankings();
      case 'detectors': return id ? await renderDetector(decodeURIComponent(id)) : await renderDetectors();
      case 'runs': return id ? await renderRun(decodeURIComponent(id)) : await renderRuns();
      case 'referrals': return await renderReferrals();
      case 'audit': return await renderAudit();
      case 'institution': return id ? await renderInstitutionCase(decodeURIComponent(id)) : await renderInstitution();
      default: location.hash = `#/${fallback}`;
    }
  } catch (e) { main().innerHTML = `<div class="msg err">${esc(e.message)}</div>`; }
}

function renderLogin() {
  $('#banners').innerHTML = '';
  main().innerHTML = `<div class="card login"><h2>FundWatch ${esc(t('brand'))}</h2>
    <form id="login-form" class="stack"><label>${esc(t('name'))}<input name="name" autocomplete="username" required></label>
    <label>${esc(t('password'))}<input name="password" type="password" autocomplete="current-password" required></label>
    <p><button class="primary" type="submit">${esc(t('login'))}</button></p><div id="login-msg"></div></form></div>`;
  $('#login-form').onsubmit = async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    try {
      const r = await post('/auth/login', { name: f.get('name'), password: f.get('password') });
      state.user = r.user;
      state.csrf = r.csrf_token;
      location.hash = `#/${navFor(r.user.role)[0][0]}`;
      render();
    } catch (e) { $('#login-msg').innerHTML = `<div class="msg err">${esc(t('login_failed'))}: ${esc(e.message)}</div>`; }
  };
}

const slaCell = (c) => (c.hours_left == null ? '' : `<span class="sla ${c.hours_left < 0 ? 'late' : 'ok'}" title="${esc(c.due_at)}">${c.hours_left < 0 ? esc(t('overdue')) + ' ' + Math.abs(c.hours_left) + ' h' : c.hours_left + ' ' + esc(t('hours_left'))}</span>`);
function caseRows(items, withSla = false) {
  if (!items.length) return `<p class="muted">${esc(t('no_cases'))}</p>`;
  return `<table><tr>${withSla ? `<th>${esc(t('sla'))}</th>` : ''}<th>${esc(t('case'))}</th><th>${esc(t('subject'))}</th><th>${esc(t('region'))}</th><th>${esc(t('status'))}</th><th class="num">${esc(t('score'))}</th><th class="num">${esc(t('alerts'))}</th><th class="num">${esc(t('amount'))}</th><th>${esc(t('assignee'))}</th><th>${esc(t('updated'))}</th></tr>
    ${items.map((c) => `<tr class="clickable" data-case="${esc(c.case_id)}">${withSla ? `<td>${slaCell(c)}</td>` : ''}<td>${esc(c.case_id)}</td><td>${esc(c.subject_type)} ${esc(c.fixmedins_code || c.psn_no || '')}${c.bilg_dr_codg ? ' / ' + esc(c.bilg_dr_codg) : ''}</td><td>${esc(c.admdvs)}</td><td>${esc(statusText(c.status))}</td><td class="num">${Number(c.risk_score).toFixed(1)}</td><td class="num">${esc(c.alert_count)}</td><td class="num">${money(c.amount_at_risk)}</td><td>${esc(c.assignee || '')}</td><td>${esc(c.updated_at)}</td></tr>`).join('')}</table>`;
}
function wireCaseRows(root) { root.querySelectorAll('tr[data-case]').forEach((tr) => { tr.onclick = () => { location.hash = `#/cases/${encodeURIComponent(tr.dataset.case)}`; }; }); }

async function renderQueue() {
  const mine = await api('/api/v1/cases?assignee=me&status=assigned&status=in_review&status=expert_review&status=appeal&sort=opened_at&order=asc');
  main().innerHTML = `<div class="card"><button id="take-next" class="primary">${esc(t('take_next'))}</button> <span id="take-msg"></span></div>
    <div class="card"><h2>${esc(t('my_cases'))} (${mine.total})</h2><div id="mine">${caseRows(mine.items, true)}</div></div>`;
  wireCaseRows($('#mine'));
  $('#take-next').onclick = async () => {
    try {
      const r = await post('/api/v1/cases/take-next', {});
      if (r.case_id) location.hash = `#/cases/${encodeURIComponent(r.case_id)}`;
      else $('#take-msg').innerHTML = `<span class="muted">${esc(t('nothing_waiting'))}</span>`;
    } catch (e) { $('#take-msg').innerHTML = `<span class="msg err">${esc(e.message)}</span>`; }
  };
}

async function renderCases() {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const params = new URLSearchParams({ sort: q.get('sort') || 'risk_score', order: 'desc', limit: '50', offset: q.get('offset') || '0' });
  if (q.get('status')) params.set('status', q.get('status'));
  if (q.get('subject_type')) params.set('subject_type', q.get('subject_type'));
  if (q.get('fixmedins_code')) params.set('fixmedins_code', q.get('fixmedins_code'));
  const r = await api(`/api/v1/cases?${params}`);
  const opt = (v, cur, label) => `<option value="${esc(v)}" ${v === cur ? 'selected' : ''}>${esc(label)}</option>`;
  main().innerHTML = `<div class="card"><form id="case-filters" class="filters">
      <label>${esc(t('status'))}<select name="status">${opt('', q.get('status') || '', t('all'))}${Object.keys(STATUS_ZH).map((s) => opt(s, q.get('status'), statusText(s))).join('')}</select></label>
      <label>${esc(t('subject'))}<select name="subject_type">${opt('', q.get('subject_type') || '', t('all'))}${['person', 'provider', 'physician'].map((s) => opt(s, q.get('subject_type'), s)).join('')}</select></label>
      <label>sort<select name="sort">${['risk_score', 'amount_at_risk', 'updated_at', 'alert_count'].map((s) => opt(s, params.get('sort'), s)).join('')}</select></label>
      <button class="secondary" type="submit">${esc(t('filter'))}</button></form>
    <div id="list">${caseRows(r.items)}</div>
    <div class="pager"><button class="secondary" id="prev" ${r.offset === 0 ? 'disabled' : ''}>${esc(t('prev'))}</button><span>${r.offset + 1}–${Math.min(r.offset + r.limit, r.total)} / ${r.total}</span><button class="secondary" id="next" ${r.offset + r.limit >= r.total ? 'disabled' : ''}>${esc(t('next'))}</button></div></div>`;
  wireCaseRows($('#list'));
  const go = (offset) => { const f = new FormData($('#case-filters')); const p = new URLSearchParams(); for (const [k, v] of f) if (v) p.set(k, v); p.set('offset', String(offset)); location.hash = `#/cases?${p}`; };
  $('#case-filters').onsubmit = (ev) => { ev.preventDefault(); go(0); };
  $('#prev').onclick = () => go(Math.max(0, r.offset - r.limit));
  $('#next').onclick = () => go(r.offset + r.limit);
}

async function renderCase(id, unmasked = false) {
  const d = await api(`/api/v1/cases/${encodeURIComponent(id)}${unmasked ? '?unmasked=true' : ''}`);
  const c = d.case;
  const staff = ['inspector', 'expert', 'supervisor', 'admin'].includes(state.user.role);
  const hours = d.sla.hours_left;
  const slaHtml = `<span class="sla ${hours < 0 ? 'late' : 'ok'}" id="sla">${hours < 0 ? esc(t('overdue')) + ' ' + Math.abs(hours) : hours} ${hours < 0 ? 'h' : esc(t('hours_left'))}</span> <span class="muted">(${esc(d.sla.due_at)})</span>`;
  const p = d.person;
  main().innerHTML = `
  <div class="card"><h2>${esc(t('case'))} ${esc(c.case_id)} · <span class="badge">${esc(statusText(c.status))}</span></h2>
    <div class="kpis"><div class="kpi"><div class="v">${money(c.amount_at_risk)}</div><div class="l">${esc(t('amount'))}</div></div>
      <div class="kpi"><div class="v">${Number(c.risk_score).toFixed(1)}</div><div class="l">${esc(t('score'))}</div></div>
      <div class="kpi"><div class="v">${esc(c.alert_count)}</div><div class="l">${esc(t('alerts'))}</div></div>
      <div class="kpi"><div class="v" style="font-size:16px">${slaHtml}</div><div class="l">${esc(t('sla'))}</div></div>
      <div class="kpi"><div class="v" style="font-size:15px">${esc(c.subject_type)} ${esc(c.fixmedins_code || '')} ${esc(c.bilg_dr_codg || '')}</div><div class="l">${esc(t('subject'))} · ${esc(c.admdvs)} · ${esc(c.assignee || '')}</div></div></div></div>
  <div class="two"><div>
    <div class="card"><h2>${esc(t('alerts_title'))}</h2><table><tr><th>${esc(t('detector'))}</th><th>GZ</th><th></th><th class="num">${esc(t('amount'))}</th><th>${esc(t('measured'))}</th><th>${esc(t('legal_basis'))}</th></tr>
      ${d.alerts.map((a) => `<tr><td>${esc(a.title_zh)}<div class="muted">${esc(a.detector_id)}</div></td><td>${esc(a.gz_code || '')}</td><td><span class="badge ${esc(a.result_type)}">${esc(a.result_type)}</span></td><td class="num">${money(a.amount_at_risk)}</td><td><div class="explanation">${esc(a.explanation_zh)}</div><div class="muted">${esc(kv(a.measured))}<br>${esc(t('threshold'))}: ${esc(kv(a.threshold))}</div></td><td class="muted">${esc(a.legal_basis)}</td></tr>`).join('')}</table></div>
    <div class="card"><h2>${esc(t('evidence'))} (${d.evidence.length})</h2><div class="scroll"><table id="evidence"><tr><th>${esc(t('line'))}</th><th>${esc(t('visit'))}</th><th>${esc(t('time'))}</th><th>${esc(t('item'))}</th><th class="num">${esc(t('qty'))}</th><th class="num">${esc(t('price'))}</th><th class="num">${esc(t('fee'))}</th><th>${esc(t('detector'))}</th></tr>
      ${d.evidence.map((e) => `<tr class="${e.offending ? 'offending' : ''}"><td>${esc(e.feedetl_sn)}</td><td>${esc(e.mdtrt_id)}</td><td>${esc(e.fee_ocur_time)}</td><td>${esc(e.hilist_name)} <span class="muted">${esc(e.med_list_codg)}</span></td><td class="num">${esc(e.cnt)}</td><td class="num">${money(e.pric)}</td><td class="num">${money(e.det_item_fee_sumamt)}</td><td>${esc((e.detectors || []).join(', '))}</td></tr>`).join('')}</table></div></div>
    <div class="card"><h2>${esc(t('visits'))}</h2>${p ? `<p>${esc(t('person'))}: <b id="person-name">${esc(p.masked ? p.psn_name_masked : p.psn_name)}</b> · ${esc(p.masked ? p.certno_masked : p.certno)} · ${esc(p.psn_no)} · ${esc(p.insu_admdvs || '')}
      ${p.masked && staff ? ` <button class="secondary" id="unmask">${esc(t('show_identity'))}</button>` : ''}</p>` : ''}
      <div class="scroll"><table><tr><th>${esc(t('visit'))}</th><th>${esc(t('time'))}</th><th>${esc(t('provider'))}</th><th>${esc(t('diag'))}</th><th class="num">${esc(t('fee'))}</th></tr>
      ${d.visits.map((v) => `<tr class="${v.flagged ? 'flagged' : ''}"><td>${esc(v.mdtrt_id)}</td><td>${esc((v.begntime || '').slice(0, 10))} ~ ${esc((v.endtime || '').slice(0, 10))}</td><td>${esc(v.fixmedins_name || v.fixmedins_code)}</td><td>${esc(v.dscg_maindiag_name || v.dscg_maindiag_code || '')}</td><td class="num">${money(v.medfee_sumamt)}</td></tr>`).join('')}</table></div></div>
  </div><div>
    ${staff ? decisionForm(c) : ''}
    <div class="card"><h2>${esc(t('peers'))}</h2>${d.peers ? `<div class="muted">${esc(d.peers.metric_zh)} · ${esc(d.peers.group)}</div><div id="peer-chart" class="chart"></div>` : '<p class="muted">—</p>'}</div>
    <div class="card"><h2>${esc(t('events'))}</h2><table id="events">${d.events.map((e) => `<tr><td class="muted">${esc(e.at)}</td><td>${esc(e.actor)}</td><td><b>${esc(e.action)}</b> ${e.to_status ? esc(statusText(e.to_status)) : ''}<div>${esc(e.reason || '')}</div></td></tr>`).join('')}</table>
      ${staff ? `<form id="comment-form" class="stack"><textarea name="text" rows="2" required></textarea><p><button class="secondary" type="submit">${esc(t('add_comment'))}</button></p></form>` : ''}</div>
  </div></div>`;
  if (d.peers && d.peers.peers.length) {
    const ps = d.peers.peers;
    chart($('#peer-chart'), {
      tooltip: {}, grid: { left: 60, right: 90, top: 20, bottom: 30 },
      xAxis: { type: 'category', data: ps.map((x) => x.fixmedins_code), axisLabel: { show: false } },
      yAxis: { type: 'value', name: '元' },
      series: [{ type: 'bar', data: ps.map((x) => ({ value: x.avg_cost, itemStyle: { color: x.is_subject ? '#e11d48' : '#9fb3c8' } })),
        markLine: d.peers.median != null ? { data: [{ yAxis: d.peers.median, name: '中位数' }], label: { formatter: '中位数 {c}', position: 'insideEndTop' } } : undefined }],
    });
  }
  const unmask = $('#unmask');
  if (unmask) unmask.onclick = () => renderCase(id, true);
  wireDecision(c);
  const cf = $('#comment-form');
  if (cf) cf.onsubmit = async (ev) => { ev.preventDefault(); await post(`/api/v1/cases/${encodeURIComponent(id)}/comments`, { text: new FormData(cf).get('text') }); renderCase(id); };
}

function decisionForm(c) {
  const canDecide = ['in_review', 'expert_review', 'appeal'].includes(c.status);
  const canReview = ['new', 'assigned'].includes(c.status);
  return `<div class="card"><h2>${esc(t('decision_form'))}</h2><div id="decide-msg"></div>
    ${canReview ? `<p><button class="primary" id="btn-review">${esc(t('start_review'))}</button> <button class="secondary" id="btn-release">${esc(t('release'))}</button></p>` : ''}
    ${canDecide ? `<form id="decide-form" class="stack">
      <label>${esc(t('decision'))}<select name="decision" required><option value="confirmed">${esc(t('confirmed'))}</option><option value="false_alarm">${esc(t('false_alarm'))}</option><option value="onsite_inspection">${esc(t('onsite_inspection'))}</option></select></label>
      <label>${esc(t('confirmed_amount'))}<input name="confirmed_amount" type="number" min="0" step="0.01" value="${esc(c.amount_at_risk)}"></label>
      <label>${esc(t('reason'))}<textarea name="reason" rows="3" required></textarea></label>
      <p><button class="primary" type="submit">${esc(t('submit'))}</button> ${c.status === 'in_review' ? `<button class="secondary" type="button" id="btn-expert">${esc(t('expert'))}</button>` : ''}</p></form>` : ''}
    ${c.status === 'decided' ? `<p><button class="secondary" id="btn-close">${esc(t('close_case'))}</button></p>` : ''}</div>`;
}

function wireDecision(c) {
  const id = c.case_id;
  const act = async (body) => {
    try { await post(`/api/v1/cases/${encodeURIComponent(id)}/transitions`, body); await renderCase(id); const msg = $('#decide-msg'); if (msg) msg.innerHTML = `<div class="msg ok">${esc(t('saved'))}</div>`; }
    catch (e) { $('#decide-msg').innerHTML = `<div class="msg err">${esc(e.message)}</div>`; }
  };
  const on = (sel, fn) => { const el = $(sel); if (el) el.onclick = fn; };
  on('#btn-review', () => act({ action: 'review' }));
  on('#btn-release', () => act({ action: 'release' }));
  on('#btn-expert', () => act({ action: 'expert', reason: ($('#decide-form textarea') || {}).value || undefined }));
  on('#btn-close', () => act({ action: 'close' }));
  const f = $('#decide-form');
  if (f) f.onsubmit = (ev) => {
    ev.preventDefault();
    const d = new FormData(f);
    const body = { action: 'decide', decision: d.get('decision'), reason: d.get('reason') };
    if (d.get('decision') === 'confirmed') body.confirmed_amount = Number(d.get('confirmed_amount'));
    act(body);
  };
}

async function renderDashboard() {
  const d = await api('/api/v1/dashboard');
  main().innerHTML = `<div class="kpis" style="margin-bottom:16px">
      <div class="kpi"><div class="v">${esc(d.totals.open_alerts)}</div><div class="l">${esc(t('open_alerts'))}</div></div>
      <div class="kpi"><div class="v">${money(d.totals.amount_at_risk)}</div><div class="l">${esc(t('money_at_risk'))}（元）</div></div>
      <div class="kpi"><div class="v">${esc(d.totals.detectors_firing)}</div><div class="l">${esc(t('detectors_firing'))}</div></div>
      ${d.cases_by_status.map((s) => `<div class="kpi"><div class="v">${esc(s.cases)}</div><div class="l">${esc(t('cases_by_status'))} · ${esc(statusText(s.status))}</div></div>`).join('')}</div>
    <div class="grid"><div class="card"><h2>${esc(t('by_family'))}</h2><div id="ch-family" class="chart"></div></div>
      <div class="card"><h2>${esc(t('trend'))}</h2><div id="ch-trend" class="chart"></div></div></div>
    <div class="card"><h2>${esc(t('by_detector'))}</h2><div id="ch-detector" class="chart" style="height:${Math.max(240, d.by_detector.length * 22)}px"></div></div>
    <div class="card"><h2>${esc(t('precision'))}</h2><table><tr><th>${esc(t('detector'))}</th><th class="num">${esc(t('decided_n'))}</th><th class="num">${esc(t('confirmed'))}</th><th class="num">${esc(t('false_alarm'))}</th><th class="num">${esc(t('onsite_inspection'))}</th><th class="num">${esc(t('precision_short'))}</th></tr>
      ${d.precision.map((p) => `<tr><td>${esc(p.detector_id)}</td><td class="num">${p.decided}</td><td class="num">${p.confirmed}</td><td class="num">${p.false_alarm}</td><td class="num">${p.onsite_inspection}</td><td class="num">${p.precision == null ? '—' : (p.precision * 100).toFixed(1) + '%'}</td></tr>`).join('')}</table></div>`;
  chart($('#ch-family'), { tooltip: {}, series: [{ type: 'pie', radius: ['35%', '65%'], data: d.by_family.map((f) => ({ name: `${familyText(f.family)}（${f.alerts}）`, value: f.amount_at_risk })), label: { formatter: '{b}\n{d}%' } }] });
  chart($('#ch-trend'), { tooltip: { trigger: 'axis' }, legend: { data: [t('alerts'), t('amount')] }, xAxis: { type: 'category', data: d.trend.map((x) => x.month) },
    yAxis: [{ type: 'value', name: t('alerts') }, { type: 'value', name: '元' }],
    series: [{ name: t('alerts'), type: 'bar', data: d.trend.map((x) => x.alerts) }, { name: t('amount'), type: 'line', yAxisIndex: 1, data: d.trend.map((x) => x.amount_at_risk) }] });
  const det = [...d.by_detector].reverse();
  chart($('#ch-detector'), { tooltip: {}, grid: { left: 200, right: 30, top: 10, bottom: 20 }, xAxis: { type: 'value', name: '元' }, yAxis: { type: 'category', data: det.map((x) => x.title_zh || x.detector_id) },
    series: [{ type: 'bar', data: det.map((x) => x.amount_at_risk), itemStyle: { color: '#0b4f8a' } }] });
}

async function renderRuns() {
  const r = await api('/api/v1/runs?limit=50');
  const manager = ['supervisor', 'admin'].includes(state.user.role);
  main().innerHTML = `<div class="card"><h2>${esc(t('nav_runs'))}</h2>${manager ? `<p><button class="primary" id="start-run">${esc(t('start_run'))}</button> <span id="run-msg"></span></p>` : ''}
    <table id="runs"><tr><th>${esc(t('run'))}</th><th>${esc(t('kind'))}</th><th>${esc(t('status'))}</th><th>${esc(t('started'))}</th><th>${esc(t('finished'))}</th><th>${esc(t('stages'))}</th></tr>
    ${r.items.map((x) => `<tr class="clickable" data-run="${esc(x.run_id)}"><td>${esc(x.run_id)}</td><td>${esc(x.kind)}</td><td><span class="badge">${esc(x.status)}</span></td><td>${esc(x.started_at)}</td><td>${esc(x.finished_at || '')}</td>
      <td>${(x.stages || []).map((s) => `${esc(s.stage)} ${esc(s.ms)}ms`).join(' · ')}</td></tr>`).join('')}</table></div>`;
  document.querySelectorAll('tr[data-run]').forEach((tr) => { tr.onclick = () => { location.hash = `#/runs/${encodeURIComponent(tr.dataset.run)}`; }; });
  const b = $('#start-run');
  if (b) b.onclick = async () => { try { const x = await post('/api/v1/runs', {}); $('#run-msg').textContent = `${x.message} ${x.run_id}`; } catch (e) { $('#run-msg').textContent = e.message; } };
}

async function renderRun(id) {
  const r = await api(`/api/v1/runs/${encodeURIComponent(id)}`);
  const stages = r.checkpoints.length ? r.checkpoints : r.stages || [];
  main().innerHTML = `<div class="card"><h2>${esc(t('run'))} ${esc(r.run_id)} · <span class="badge">${esc(r.status)}</span></h2>
      <p>${esc(r.started_at)} → ${esc(r.finished_at || '…')} · ${esc(r.window_from || '')} ~ ${esc(r.window_to || '')} ${r.kind === 'nightly' ? ` · <a href="/api/v1/runs/${encodeURIComponent(r.run_id)}/report" target="_blank">${esc(t('report'))}</a>` : ''}</p>
      ${r.error ? `<div class="msg err">${esc(r.error)}</div>` : ''}<div id="ch-stages" class="chart" style="height:240px"></div></div>
    <div class="grid"><div class="card"><h2>${esc(t('batches'))}</h2><table><tr><th>dir</th><th>${esc(t('status'))}</th><th>batch_id</th><th></th></tr>${r.batches.map((b) => `<tr><td>${esc(b.dir)}</td><td>${esc(b.status)}</td><td>${esc(b.batch_id || '')}</td><td>${esc(b.ingest_status || '')} ${esc(b.error || '')}</td></tr>`).join('')}</table></div>
    <div class="card"><h2>${esc(t('rejects'))}</h2><table><tr><th>batch</th><th>table</th><th>reason</th><th>severity</th><th class="num">n</th></tr>${r.rejects.map((x) => `<tr><td>${esc(x.batch_id)}</td><td>${esc(x.table_name)}</td><td>${esc(x.reason_code)}</td><td>${esc(x.severity)}</td><td class="num">${esc(x.n)}</td></tr>`).join('')}</table></div></div>`;
  chart($('#ch-stages'), { tooltip: {}, grid: { left: 110, right: 30, top: 10, bottom: 20 }, xAxis: { type: 'value', name: 'ms' }, yAxis: { type: 'category', data: stages.map((s) => s.stage) },
    series: [{ type: 'bar', data: stages.map((s) => ({ value: s.ms || 0, itemStyle: { color: s.status === 'failed' ? '#dc2626' : s.status === 'running' ? '#f59e0b' : '#0b4f8a' } })) }] });
}

async function renderReferrals() {
  const r = await api('/api/v1/referrals?limit=200');
  const ca = state.user.role === 'civil_affairs' || state.user.role === 'admin';
  main().innerHTML = `<div class="card"><h2>${esc(t('nav_referrals'))} (${r.total})</h2><table id="referrals"><tr><th>${esc(t('month'))}</th><th>${esc(t('person'))}</th><th>${esc(t('region'))}</th><th>aid</th><th class="num">${esc(t('threshold'))}</th><th class="num">${esc(t('ytd_oop'))}</th><th>${esc(t('department'))}</th><th>${esc(t('delivery'))}</th><th>${esc(t('outcome'))}</th></tr>
    ${r.items.map((x) => `<tr data-ref="${esc(x.referral_id)}"><td>${esc(x.month)}</td><td>${esc(x.psn_name_masked)} <span class="muted">${esc(x.certno_masked)}</span></td><td>${esc(x.insu_admdvs)}</td><td>${esc(x.aid_category)}</td><td class="num">${money(x.threshold)}</td><td class="num">${money(x.ytd_out_of_pocket)}</td><td>${esc(x.department || '')}</td><td>${esc(x.delivery_status || '')}</td>
      <td>${esc(x.outcome ? t(x.outcome) : '')}${ca ? ` <select data-outcome="${esc(x.referral_id)}"><option value="">${esc(t('report_outcome'))}…</option>${['received', 'verified', 'assistance_granted', 'not_eligible'].map((o) => `<option value="${o}">${esc(t(o))}</option>`).join('')}</select>` : ''}</td></tr>`).join('')}</table></div>`;
  document.querySelectorAll('select[data-outcome]').forEach((s) => { s.onchange = async () => { if (!s.value) return; await post(`/api/v1/referrals/${encodeURIComponent(s.dataset.outcome)}/outcome`, { outcome: s.value }); renderReferrals(); }; });
}

async function renderAudit() {
  const r = await api('/api/v1/audit?limit=200');
  main().innerHTML = `<div class="card"><h2>${esc(t('nav_audit'))}</h2><table id="audit"><tr><th>${esc(t('time'))}</th><th>actor</th><th>action</th><th>object</th><th>detail</th></tr>
    ${r.items.map((a) => `<tr><td>${esc(a.at)}</td><td>${esc(a.actor)}</td><td>${esc(a.action)}</td><td>${esc(a.object_type || '')} ${esc(a.object_id || '')}</td><td class="muted">${esc(a.detail ? JSON.stringify(a.detail) : '')}</td></tr>`).join('')}</table></div>`;
}

async function renderInstitution() {
  const r = await api('/api/v1/institution/cases');
  main().innerHTML = `<div class="card"><h2>${esc(t('nav_institution'))}</h2><table><tr><th>${esc(t('case'))}</th><th>${esc(t('decision'))}</th><th class="num">${esc(t('confirmed_amount'))}</th><th>${esc(t('appeal_deadline'))}</th><th>${esc(t('status'))}</th></tr>
    ${r.items.map((c) => `<tr class="clickable" data-icase="${esc(c.case_id)}"><td>${esc(c.case_id)}</td><td>${esc(t(c.decision))}</td><td class="num">${money(c.confirmed_amount)}</td><td>${esc(c.appeal_deadline)}</td><td>${esc(statusText(c.status))}</td></tr>`).join('')}</table></div>`;
  document.querySelectorAll('tr[data-icase]').forEach((tr) => { tr.onclick = () => { location.hash = `#/institution/${encodeURIComponent(tr.dataset.icase)}`; }; });
}

async function renderInstitutionCase(id) {
  const r = await api(`/api/v1/institution/cases/${encodeURIComponent(id)}`);
  main().innerHTML = `<div class="card"><h2>${esc(t('case'))} ${esc(id)} · ${esc(t(r.case.decision))} · ${money(r.case.confirmed_amount)} 元</h2><p>${esc(t('appeal_deadline'))}: ${esc(r.case.appeal_deadline)}</p></div>
    <div class="card"><h2>${esc(t('findings'))}</h2><table><tr><th>${esc(t('detector'))}</th><th>GZ</th><th>${esc(t('legal_basis'))}</th><th class="num">${esc(t('amount'))}</th></tr>${r.findings.map((f) => `<tr><td>${esc(f.title_zh)}</td><td>${esc(f.gz_code || '')}</td><td>${esc(f.legal_basis)}</td><td class="num">${money(f.amount_at_risk)}</td></tr>`).join('')}</table></div>
    ${r.case.can_appeal ? `<div class="card"><h2>${esc(t('file_appeal'))}</h2><form id="appeal-form" class="stack"><label>${esc(t('reason'))}<textarea name="reason" rows="4" required></textarea></label><label>${esc(t('attachments'))}<input type="file" name="files" multiple></label><p><button class="primary" type="submit">${esc(t('submit'))}</button></p><div id="appeal-msg"></div></form></div>` : ''}
    <div class="card"><h2>${esc(t('appeal'))}</h2>${r.appeals.map((a) => `<p>${esc(a.filed_at)} · ${esc(a.reason)} · ${esc((a.attachments || []).join(', '))}</p>`).join('') || '<p class="muted">—</p>'}</div>`;
  const f = $('#appeal-form');
  if (f) f.onsubmit = async (ev) => {
    ev.preventDefault();
    const fd = new FormData();
    fd.append('reason', new FormData(f).get('reason'));
    for (const file of f.files.files) fd.append('file', file, file.name);
    try { await api(`/api/v1/institution/cases/${encodeURIComponent(id)}/appeals`, { method: 'POST', body: fd }); renderInstitutionCase(id); }
    catch (e) { $('#appeal-msg').innerHTML = `<div class="msg err">${esc(e.message)}</div>`; }
  };
}

$('#lang').onclick = () => { state.lang = state.lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('fw_lang', state.lang); render(); };
$('#logout').onclick = async () => { await api('/auth/logout', { method: 'POST' }); state.user = null; state.csrf = null; location.hash = ''; render(); };
window.addEventListener('hashchange', render);
(async () => {
  try { const me = await api('/api/v1/me'); state.user = me.user; state.csrf = me.csrf_token || null; } catch { state.user = null; }
  render();
})();
