package app

// statusPage is the self-refreshing page at / : the latest sample grid, the
// loss curves, D(x) and D(G(z)), steps per second and run info, drawn from
// /status.json with no external scripts.
const statusPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gan-train</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}
h1{font-size:1.3em;margin:0 0 .5em} .row{display:flex;gap:1.5em;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse} td{padding:.15em .8em .15em 0} td:first-child{color:#666}
canvas{background:#fff;border:1px solid #ddd} img{image-rendering:pixelated;border:1px solid #ddd;background:#444}
</style></head><body>
<h1>gan-train <span id="run"></span></h1>
<div class="row">
<div><img id="grid" alt="latest sample grid" width="484" height="484" src="samples/latest.png"></div>
<div><table id="info"></table>
<p><canvas id="loss" width="520" height="220"></canvas></p>
<p><canvas id="dout" width="520" height="160"></canvas></p></div>
</div>
<script>
function plot(id, series, ymin, ymax, guide){
  const c=document.getElementById(id), g=c.getContext('2d'), W=c.width, H=c.height, P=30;
  g.clearRect(0,0,W,H);
  let xs=[], lo=ymin, hi=ymax;
  series.forEach(s=>s.pts.forEach(p=>{xs.push(p[0]); if(ymin===undefined){lo=Math.min(lo??p[1],p[1]); hi=Math.max(hi??p[1],p[1]);}}));
  if(!xs.length) return 0;
  const x0=Math.min(...xs), x1=Math.max(...xs)||1; if(hi===lo){hi=lo+1}
  const X=x=>P+(W-2*P)*(x1===x0?1:(x-x0)/(x1-x0)), Y=y=>H-P-(H-2*P)*(y-lo)/(hi-lo);
  g.strokeStyle='#999'; g.strokeRect(P,P,W-2*P,H-2*P); g.fillStyle='#555'; g.font='11px sans-serif';
  g.fillText(hi.toFixed(2),2,P+4); g.fillText(lo.toFixed(2),2,H-P); g.fillText('step '+x1,W-P-60,H-8);
  if(guide!==undefined){g.setLineDash([4,4]); g.beginPath(); g.moveTo(P,Y(guide)); g.lineTo(W-P,Y(guide)); g.stroke(); g.setLineDash([]);}
  let n=0;
  series.forEach((s,i)=>{g.strokeStyle=s.color; g.beginPath(); s.pts.forEach((p,j)=>{j?g.lineTo(X(p[0]),Y(p[1])):g.moveTo(X(p[0]),Y(p[1])); n++}); g.stroke();
    g.fillStyle=s.color; g.fillText(s.name,P+8+i*110,P-8);});
  c.dataset.points=n; return n;
}
async function tick(){
  try{
    const r=await fetch('status.json',{cache:'no-store'}); const s=await r.json(); const h=s.history||[], l=s.last||{};
    document.getElementById('run').textContent='· '+s.preset+' · '+s.device;
    const rows=[['run',s.run_id],['step',l.step+' / '+s.target_steps],['steps/s',(l.steps_per_sec||0).toFixed(1)],
      ['D loss',(l.d_loss||0).toFixed(4)],['G loss',(l.g_loss||0).toFixed(4)],['D(x)',(l.d_real||0).toFixed(3)],
      ['D(G(z))',(l.d_fake||0).toFixed(3)],['epoch',l.epoch],['started',s.started],['finished',s.finished]];
    document.getElementById('info').innerHTML=rows.map(r=>'<tr><td>'+r[0]+'</td><td>'+r[1]+'</td></tr>').join('');
    plot('loss',[{name:'D loss',color:'#c0392b',pts:h.map(p=>[p.step,p.d_loss])},{name:'G loss',color:'#2471a3',pts:h.map(p=>[p.step,p.g_loss])}]);
    plot('dout',[{name:'D(x)',color:'#1e8449',pts:h.map(p=>[p.step,p.d_real])},{name:'D(G(z))',color:'#af601a',pts:h.map(p=>[p.step,p.d_fake])}],0,1,0.5);
    document.getElementById('grid').src='samples/latest.png?step='+s.sample_step;
  }catch(e){}
}
tick(); setInterval(tick,2000);
</script></body></html>
`
