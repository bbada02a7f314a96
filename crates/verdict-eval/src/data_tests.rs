use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::test_data_dir;

/// A one-file HTTP server on 127.0.0.1: answers `requests` requests with `status` and
/// `body`, then stops. Returns its base URL and a count of requests served.
fn serve(status: &'static str, body: Vec<u8>, requests: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    (base, served)
}

fn shared(benchmark: Benchmark) -> PathBuf {
    test_data_dir().join(benchmark.data_path())
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|it| {
            it.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn shared_data_matches_the_table() {
    for (benchmark, file) in files() {
        assert_eq!(
            sha256_file(&shared(benchmark)).unwrap(),
            file.sha256,
            "{benchmark}"
        );
    }
    assert_eq!(
        Benchmark::MBPP_PLUS.data_file().unwrap().asset_name(),
        "MbppPlus.jsonl.gz"
    );
    assert_eq!(
        Benchmark::HUMANEVAL
            .data_file()
            .unwrap()
            .url_from(Some("http://h/x/")),
        "http://h/x/HumanEval.jsonl.gz"
    );
}

#[test]
fn fetch_downloads_checks_and_stores() {
    let body = std::fs::read(shared(Benchmark::HUMANEVAL)).unwrap();
    let (base, served) = serve("200 OK", body, 1);
    let cache = tempfile::tempdir().unwrap();
    let fetcher = Fetcher::new(cache.path()).base_url(&base);
    let target = cache.path().join("humaneval/HumanEval.jsonl.gz");
    assert_eq!(
        fetcher.fetch(Benchmark::HUMANEVAL).unwrap(),
        Fetched::Downloaded(target.clone())
    );
    assert_eq!(
        sha256_file(&target).unwrap(),
        Benchmark::HUMANEVAL.data_file().unwrap().sha256
    );
    assert_eq!(
        fetcher.fetch(Benchmark::HUMANEVAL).unwrap(),
        Fetched::AlreadyPresent(target.clone())
    );
    assert_eq!(served.load(Ordering::SeqCst), 1);
    assert_eq!(
        dir_entries(target.parent().unwrap()),
        ["HumanEval.jsonl.gz"]
    );
    assert_eq!(
        resolve_in(Benchmark::HUMANEVAL, None, Some(cache.path())).unwrap(),
        target
    );
}

#[test]
fn fetch_decompresses_mbpp_plus() {
    let plain = std::fs::read(shared(Benchmark::MBPP_PLUS)).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    let (base, _) = serve("200 OK", gz.finish().unwrap(), 1);
    let cache = tempfile::tempdir().unwrap();
    let got = Fetcher::new(cache.path())
        .base_url(&base)
        .fetch(Benchmark::MBPP_PLUS)
        .unwrap();
    let target = cache.path().join("mbppplus/MbppPlus-v0.1.0.jsonl");
    assert_eq!(got, Fetched::Downloaded(target.clone()));
    assert_eq!(std::fs::read(&target).unwrap(), plain);
}

#[test]
fn every_benchmark_file_fetches_to_where_it_is_read() {
    for (benchmark, file) in files() {
        let stored = std::fs::read(shared(benchmark)).unwrap();
        let body = if file.gunzip {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&stored).unwrap();
            gz.finish().unwrap()
        } else {
            stored.clone()
        };
        let (base, _) = serve("200 OK", body, 1);
        let cache = tempfile::tempdir().unwrap();
        let target = cache.path().join(file.rel_path());
        assert_eq!(
            Fetcher::new(cache.path())
                .base_url(&base)
                .fetch(benchmark)
                .unwrap(),
            Fetched::Downloaded(target.clone()),
            "{benchmark}"
        );
        assert!(std::fs::read(&target).unwrap() == stored, "{benchmark}");
        assert_eq!(
            resolve_in(benchmark, None, Some(cache.path())).unwrap(),
            target,
            "{benchmark}"
        );
    }
}

#[test]
fn checksum_mismatch_keeps_nothing() {
    let (base, _) = serve("200 OK", b"not the file".to_vec(), 1);
    let cache = tempfile::tempdir().unwrap();
    let err = Fetcher::new(cache.path())
        .base_url(&base)
        .fetch(Benchmark::MBPP)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "checksum mismatch for `{base}/mbpp.jsonl`: expected sha256 {}, got {}; the file was not kept",
            Benchmark::MBPP.data_file().unwrap().sha256,
            hex(&Sha256::digest(b"not the file"))
        )
    );
    assert!(
        dir_entries(&cache.path().join("mbpp")).is_empty(),
        "{:?}",
        dir_entries(&cache.path().join("mbpp"))
    );
}

#[test]
fn http_errors_and_no_network_are_clear() {
    let (base, _) = serve("404 Not Found", b"nope".to_vec(), 1);
    let cache = tempfile::tempdir().unwrap();
    let err = Fetcher::new(cache.path())
        .base_url(&base)
        .fetch(Benchmark::HUMANEVAL_PLUS)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("downloading `{base}/HumanEvalPlus.jsonl.gz`: http status 404 Not Found")
    );

    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let base = format!("http://{closed}");
    let err = Fetcher::new(cache.path())
        .base_url(&base)
        .timeout(Duration::from_secs(5))
        .fetch(Benchmark::HUMANEVAL)
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("downloading `{base}/HumanEval.jsonl.gz`: ")),
        "{msg}"
    );
    assert!(msg.ends_with("(is the network reachable?)"), "{msg}");
    assert!(!cache.path().join("humaneval/HumanEval.jsonl.gz").exists());
}

#[test]
fn resolution_order() {
    let data = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let in_cache = cache.path().join("mbpp/mbpp.jsonl");
    std::fs::create_dir_all(in_cache.parent().unwrap()).unwrap();
    std::fs::write(&in_cache, "").unwrap();
    assert_eq!(
        resolve_in(Benchmark::MBPP, Some(data.path()), Some(cache.path())).unwrap(),
        in_cache
    );
    let in_data = data.path().join("mbpp/mbpp.jsonl");
    std::fs::create_dir_all(in_data.parent().unwrap()).unwrap();
    std::fs::write(&in_data, "").unwrap();
    assert_eq!(
        resolve_in(Benchmark::MBPP, Some(data.path()), Some(cache.path())).unwrap(),
        in_data
    );
    assert_eq!(
        resolve_in(Benchmark::MBPP, Some(&test_data_dir()), None).unwrap(),
        shared(Benchmark::MBPP)
    );

    let err = resolve_in(
        Benchmark::HUMANEVAL,
        Some(Path::new("/d")),
        Some(Path::new("/c")),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no humaneval problems file: looked for `/d/humaneval/HumanEval.jsonl.gz` and \
         `/c/humaneval/HumanEval.jsonl.gz`; run `verdict data fetch humaneval` or pass --data-dir"
    );
}
