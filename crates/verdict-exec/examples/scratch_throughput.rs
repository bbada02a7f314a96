use std::io::BufRead;
use std::sync::Arc;
use verdict_exec::*;
fn main() {
    verdict_sandbox::run_init_if_requested();
    let path = std::env::args().nth(1).unwrap();
    let jobs: Vec<serde_json::Value> = std::io::BufReader::new(std::fs::File::open(path).unwrap()).lines().map(|l| serde_json::from_str(&l.unwrap()).unwrap()).collect();
    let pool = Arc::new(Pool::start(PoolConfig::new(Language::Python)).unwrap());
    let jobs = Arc::new(jobs);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = std::time::Instant::now();
    let passed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hs: Vec<_> = (0..std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(4)).map(|_| { let (pool, jobs, next, passed) = (pool.clone(), jobs.clone(), next.clone(), passed.clone()); std::thread::spawn(move || loop {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if i >= jobs.len() { break; }
        let j = &jobs[i];
        let job = Job { code: j["code"].as_str().unwrap().into(), kind: JobKind::Check { test: j["test"].as_str().unwrap().into(), entry_point: Some(j["entry_point"].as_str().unwrap().into()), human_eval_guard: true }, stdin: None, limits: Limits { cpu_ms: 3000, ..Limits::default() } };
        let t0 = std::time::Instant::now(); let o = pool.run(job); if i % 100 == 7 { eprintln!("rt={:.2}ms worker_wall={:.2}ms cpu={:.2}", t0.elapsed().as_secs_f64()*1000.0, o.wall_ms, o.cpu_ms); }
        if o.harness.as_ref().and_then(|h| h.get("passed")).and_then(|p| p.as_bool()) == Some(true) { passed.fetch_add(1, std::sync::atomic::Ordering::Relaxed); } else { eprintln!("{i} {:?} {:?}", o.status, o.harness); }
    })}).collect();
    for h in hs { h.join().unwrap(); }
    let el = t.elapsed().as_secs_f64();
    println!("{} jobs, {} passed, {:.2}s, {:.1}/s", jobs.len(), passed.load(std::sync::atomic::Ordering::Relaxed), el, jobs.len() as f64 / el);
}
