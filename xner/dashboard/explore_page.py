# ruff: noqa: E501
"""The explorer page's stylesheet and script (inlined into the page by `xner.dashboard.explore`)."""

CSS = """
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:1em 2em;color:#222}
h1{font-size:1.4em;margin:.2em 0} .summary{color:#444;margin:.2em 0 .6em}
table{border-collapse:collapse;font-size:12px;margin:.3em 0}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:right;white-space:nowrap}
th{background:#f4f6f8;font-weight:600} th.run{text-align:left}
td small{color:#666} .note{color:#666;font-size:12px;max-width:70em}
.controls{margin:.6em 0;padding:.5em .8em;background:#f4f6f8;border-radius:6px;position:sticky;top:0;z-index:5}
.controls label{margin-right:1.2em} .legend{font-size:12px;margin-top:.3em}
.chip{display:inline-block;padding:0 6px;margin:0 3px 0 0;border-radius:8px;font-size:11px;color:#fff}
.v-exact{background:#2e8b57} .v-boundary{background:#e08a00} .v-type{background:#8e44ad}
.v-spurious{background:#d62728} .v-missed{background:#7f7f7f} .v-none{background:#4e79a7}
.gold-key{border-bottom:3px solid #111}
.sent{border:1px solid #ddd;border-radius:6px;margin:.7em 0;padding:.4em .6em}
.sent h3{font-size:13px;margin:.1em 0 .3em;font-weight:600;color:#333}
.pairs{display:flex;gap:1em} .pairs>.side{flex:1;min-width:0;overflow-x:auto}
.side h4{font-size:12px;margin:.2em 0;color:#555}
.align{position:relative;overflow-x:auto;padding-bottom:4px}
.row{white-space:nowrap;font-size:13px;line-height:1.9}
.w{display:inline-block;padding:0 3px;margin:0 2px;border-radius:3px;position:relative}
.w.ent{color:#fff} .w.gold{border-bottom:3px solid #111}
.w sup{font-size:9px;margin-left:2px;opacity:.85} .w sub{font-size:9px;margin-left:2px;color:#111;font-weight:600}
svg.links{display:block;height:46px}
svg.links line{stroke:#c9c9c9;stroke-width:1}
svg.links line.in{stroke:#555;stroke-width:1.4}
table.ents{font-size:12px;margin-top:.3em} table.ents td{text-align:left;white-space:normal}
td.rank span{margin-right:.6em} td.rank span.chosen{font-weight:700}
"""

JS = r"""
(function(){
const data=JSON.parse(document.getElementById('xner-data').textContent);
const PAGE=50, COLORS={exact:'#2e8b57',boundary:'#e08a00',type:'#8e44ad',spurious:'#d62728',missed:'#7f7f7f',none:'#4e79a7'};
const fv=document.getElementById('f-verdict'), ft=document.getElementById('f-type'), fr=document.getElementById('f-reason');
let page=0;
function readHash(){
  const h=new URLSearchParams(location.hash.slice(1));
  fv.value=h.get('verdict')||''; ft.value=h.get('type')||''; fr.value=h.get('reason')||'';
  page=parseInt(h.get('page')||'0',10)||0;
}
function writeHash(){
  const h=new URLSearchParams();
  if(fv.value)h.set('verdict',fv.value); if(ft.value)h.set('type',ft.value); if(fr.value)h.set('reason',fr.value);
  if(page)h.set('page',page);
  history.replaceState(null,'','#'+h.toString());
}
function matches(group){
  const v=fv.value,t=ft.value,r=fr.value;
  if(!v&&!t&&!r) return true;
  return group.some(rec=>rec._items.some(it=>(!v||it[0]===v)&&(!t||it[1]===t)&&(!r||it[2]===r)));
}
function el(tag,cls,text){const e=document.createElement(tag); if(cls)e.className=cls; if(text!==undefined)e.textContent=text; return e;}
function words(list){return list;}
function spanText(ws,s){return ws.slice(s[0],s[1]).join(' ');}
function side(rec,name){
  const div=el('div','side');
  if(name) div.appendChild(el('h4','',name));
  const box=el('div','align'), src=el('div','row src'), svg=document.createElementNS('http://www.w3.org/2000/svg','svg'), tgt=el('div','row tgt');
  svg.setAttribute('class','links');
  const srcColor={}, srcLab={};
  rec.entities.forEach(e=>{const c=COLORS[e.verdict||'none']; for(let i=e.src[0];i<e.src[1];i++){srcColor[i]=c;} srcLab[e.src[1]-1]=e.src[2];});
  const tgtColor={}, tgtLab={}, gold={};
  (rec.projected||[]).forEach(p=>{const c=COLORS[p.verdict||'none']; for(let j=p.span[0];j<p.span[1];j++){tgtColor[j]=c;} tgtLab[p.span[1]-1]=p.span[2];});
  const goldEnd={}; (rec.gold||[]).forEach(g=>{for(let j=g[0];j<g[1];j++){gold[j]=g[2];} goldEnd[g[1]-1]=g[2];});
  const sEls=rec.src.map((w,i)=>{const s=el('span','w'+(srcColor[i]?' ent':''),w); if(srcColor[i])s.style.background=srcColor[i];
    if(srcLab[i]){s.appendChild(el('sup','',srcLab[i]));} s.dataset.i=i; src.appendChild(s); return s;});
  const tEls=rec.tgt.map((w,j)=>{const s=el('span','w'+(tgtColor[j]?' ent':'')+(gold[j]?' gold':''),w); if(tgtColor[j])s.style.background=tgtColor[j];
    if(tgtLab[j]){s.appendChild(el('sup','',tgtLab[j]));} if(gold[j])s.title='gold '+gold[j]; if(goldEnd[j])s.appendChild(el('sub','',goldEnd[j]));
    s.dataset.j=j; tgt.appendChild(s); return s;});
  box.appendChild(src); box.appendChild(svg); box.appendChild(tgt); div.appendChild(box);
  const inEnt=new Set(); rec.entities.forEach(e=>{for(let i=e.src[0];i<e.src[1];i++)inEnt.add(i);});
  box._draw=function(){
    const b=box.getBoundingClientRect(), width=Math.max(src.scrollWidth,tgt.scrollWidth);
    svg.setAttribute('width',width); svg.innerHTML='';
    rec.links.forEach(([i,j])=>{
      if(!sEls[i]||!tEls[j]) return;
      const a=sEls[i].getBoundingClientRect(), c=tEls[j].getBoundingClientRect();
      const l=document.createElementNS('http://www.w3.org/2000/svg','line');
      l.setAttribute('x1',a.left+a.width/2-b.left+box.scrollLeft); l.setAttribute('y1',0);
      l.setAttribute('x2',c.left+c.width/2-b.left+box.scrollLeft); l.setAttribute('y2',46);
      if(inEnt.has(i)) l.setAttribute('class','in');
      svg.appendChild(l);
    });
  };
  const t=el('table','ents');
  t.innerHTML='<tr><th>source entity</th><th>target</th><th>verdict</th><th>score</th><th>candidates (best first)</th><th>reason</th><th>gold</th></tr>';
  rec.entities.forEach(e=>{
    const tr=el('tr'); tr.dataset.verdict=e.verdict||'none';
    tr.appendChild(el('td','',spanText(rec.src,e.src)+' ['+e.src[2]+']'));
    tr.appendChild(el('td','',e.tgt?spanText(rec.tgt,e.tgt)+' ['+e.tgt[0]+','+e.tgt[1]+')':'—'));
    const v=el('td'); v.appendChild(el('span','chip v-'+(e.verdict||'none'),e.verdict||'no gold')); tr.appendChild(v);
    tr.appendChild(el('td','',e.score===null?'':e.score.toFixed(3)));
    const rk=el('td','rank');
    (e.ranking||[]).forEach(r=>{const chosen=e.tgt&&r[0]===e.tgt[0]&&r[1]===e.tgt[1];
      rk.appendChild(el('span',chosen?'chosen':'',spanText(rec.tgt,r)+' '+r[2].toFixed(3)));});
    tr.appendChild(rk);
    tr.appendChild(el('td','',e.reason||''));
    tr.appendChild(el('td','',e.gold?spanText(rec.tgt,e.gold)+' ['+e.gold[2]+']':''));
    t.appendChild(tr);
  });
  (rec.projected||[]).filter(p=>!p.owners.length).forEach(p=>{
    const tr=el('tr'); tr.dataset.verdict=p.verdict||'none';
    tr.innerHTML='<td>(extra span)</td>'; tr.appendChild(el('td','',spanText(rec.tgt,p.span)+' ['+p.span[2]+']'));
    const v=el('td'); v.appendChild(el('span','chip v-'+(p.verdict||'none'),p.verdict||'no gold')); tr.appendChild(v);
    t.appendChild(tr);
  });
  if(rec.unmatched_gold&&rec.unmatched_gold.length){
    const tr=el('tr'); tr.dataset.verdict='gold_unmatched';
    tr.appendChild(el('td','','gold not reached:'));
    const td=el('td','',rec.unmatched_gold.map(g=>spanText(rec.tgt,g)+' ['+g[2]+']').join(' · ')); td.colSpan=6; tr.appendChild(td);
    t.appendChild(tr);
  }
  div.appendChild(t);
  return div;
}
function render(){
  const shown=data.items.filter(matches);
  const pages=Math.max(1,Math.ceil(shown.length/PAGE)); if(page>=pages)page=pages-1; if(page<0)page=0;
  document.getElementById('shown').textContent=shown.length+' of '+data.items.length+' sentences';
  document.getElementById('page').textContent='page '+(page+1)+' / '+pages;
  const root=document.getElementById('sentences'); root.innerHTML='';
  const boxes=[];
  shown.slice(page*PAGE,(page+1)*PAGE).forEach(group=>{
    const rec=group[0], s=el('div','sent');
    s.dataset.i=rec.i; s.dataset.verdicts=[...new Set(group.flatMap(r=>r._items.map(it=>it[0])))].join(' ');
    s.dataset.types=[...new Set(group.flatMap(r=>r._items.map(it=>it[1])))].join(' ');
    s.appendChild(el('h3','','#'+rec.i+(rec.id?' · '+rec.id:'')+(rec.where?' · '+String(rec.where).split('/').pop():'')));
    const pairs=el('div','pairs');
    group.forEach((r,k)=>pairs.appendChild(side(r,group.length>1?data.runs[k].short:'')));
    s.appendChild(pairs); root.appendChild(s);
    s.querySelectorAll('.align').forEach(b=>boxes.push(b));
  });
  requestAnimationFrame(()=>boxes.forEach(b=>b._draw()));
  writeHash();
}
[fv,ft,fr].forEach(x=>x.addEventListener('change',()=>{page=0;render();}));
document.getElementById('prev').onclick=()=>{page--;render();};
document.getElementById('next').onclick=()=>{page++;render();};
window.addEventListener('hashchange',()=>{readHash();render();});
readHash(); render();
})();
"""
