//! `verdict serve`: the HTTP API on a port. Binds first and prints the
//! address (so `--listen 127.0.0.1:0` can be used), warms the slots in the
//! background (`/healthz` answers 503 until they are ready), and on SIGTERM or
//! SIGINT stops accepting, lets requests in flight finish and exits; a second
//! signal exits at once.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::signal::unix::{SignalKind, signal};
use verdict_exec::{Language, Pool};
use verdict_server::{AppState, Config, router};

use crate::cli::ServeArgs;
use crate::exit;
use crate::run::pool_config;

pub fn serve(args: ServeArgs) -> Result<i32> {
    let address = resolve(&args.listen)?;
    let token = read_token(&args)?;
    if token.is_none() && !address.ip().is_loopback() {
        bail!(
            "refusing to listen on {address} without --token-file: anyone who can reach it could run code \
             (listen on 127.0.0.1, or give a token)"
        );
    }
    let slots = args
        .slots
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let pool = pool_config(Language::Python, &args.sandbox, slots, args.memory_limit)?;
    let config = Config {
        slots,
        queue: args.queue.unwrap_or(8 * slots),
        deadline: Duration::from_millis(args.deadline),
        body_limit: usize::try_from(args.body_limit).unwrap_or(usize::MAX),
        token,
        share_window: Duration::from_millis(args.share_window),
        max_memory_bytes: args.memory_limit,
        data_dir: args.data_dir.clone(),
        expected_cache: verdict_eval::data::default_cache_dir()
            .ok()
            .and_then(|d| d.parent().map(|p| p.join("expected"))),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let failure = runtime.block_on(run(address, config, pool))?;
    runtime.shutdown_timeout(Duration::from_secs(10));
    match failure {
        Some(message) => bail!("starting the sandbox slots (see `verdict doctor`): {message}"),
        None => {
            eprintln!("verdict serve: stopped");
            Ok(exit::OK)
        }
    }
}

/// Serves until a signal (or a failure to build the slots, returned).
async fn run(
    address: SocketAddr,
    config: Config,
    pool: verdict_exec::PoolConfig,
) -> Result<Option<String>> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    let slots = config.slots;
    println!("listening on http://{local}");
    std::io::stdout().flush().ok();
    let state = AppState::new(config);
    let failure = Arc::new(Mutex::new(None::<String>));
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel::<()>();
    let (warm_state, warm_failure) = (state.clone(), failure.clone());
    tokio::spawn(async move {
        match tokio::task::spawn_blocking(move || Pool::start(pool)).await {
            Ok(Ok(pool)) => {
                warm_state.set_pool(Arc::new(pool));
                eprintln!("verdict serve: {slots} slots ready");
            }
            Ok(Err(e)) => {
                *warm_failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
                let _ = failed_tx.send(());
            }
            Err(e) => {
                *warm_failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
                let _ = failed_tx.send(());
            }
        }
    });
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let draining = state.clone();
    let shutdown = async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
            Ok(()) = failed_rx => return,
        }
        draining.start_draining();
        eprintln!(
            "verdict serve: draining (finishing requests in flight; a second signal exits at once)"
        );
        tokio::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            std::process::exit(exit::INTERRUPTED);
        });
    };
    verdict_server::serve(listener, router(state), shutdown)
        .await
        .context("serving")?;
    let failure = failure.lock().unwrap_or_else(|e| e.into_inner()).take();
    Ok(failure)
}

fn resolve(listen: &str) -> Result<SocketAddr> {
    listen
        .to_socket_addrs()
        .with_context(|| format!("--listen `{listen}` is not an address like 127.0.0.1:8080"))?
        .next()
        .with_context(|| format!("--listen `{listen}` resolves to no address"))
}

fn read_token(args: &ServeArgs) -> Result<Option<String>> {
    let Some(path) = &args.token_file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading token file `{}`", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        bail!("token file `{}` is empty", path.display());
    }
    Ok(Some(token.to_string()))
}
