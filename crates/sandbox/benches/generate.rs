//! Benchmarks (not timed tests): data generation time and memory for 1,000,000 people, and
//! request throughput with limits off. Run: `cargo bench -p liaison-sandbox --bench generate`.

use criterion::{Criterion, criterion_group, criterion_main};
use liaison_sandbox::{Sandbox, SandboxConfig, generate_dataset};
use std::time::Instant;

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn generation(c: &mut Criterion) {
    // Memory of one live 1,000,000-person world, measured once (criterion measures time only).
    let before = rss_mb();
    let t = Instant::now();
    let summary = generate_dataset(42, 1_000_000);
    eprintln!(
        "generate 1,000,000 people: {:.2?}, peak RSS growth ≈ {:.0} MB (RSS before {before:.0} MB, after {:.0} MB): {summary:?}",
        t.elapsed(),
        rss_mb() - before,
        rss_mb()
    );
    let mut g = c.benchmark_group("generate");
    g.sample_size(10);
    g.bench_function("1_000_000_people", |b| b.iter(|| generate_dataset(42, 1_000_000)));
    g.bench_function("10_000_people", |b| b.iter(|| generate_dataset(42, 10_000)));
    g.finish();
}

fn throughput(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sb =
        rt.block_on(Sandbox::start(SandboxConfig { people: 10_000, ..SandboxConfig::default() })).expect("sandbox");
    sb.update_settings(|s| s.limits_enabled = false);
    let m = sb.endpoints().marketo.clone();
    let client = reqwest::Client::new();
    let token: String = rt.block_on(async {
        let v: serde_json::Value = client
            .get(format!("{}/identity/oauth/token", m.base_url))
            .query(&[
                ("grant_type", "client_credentials"),
                ("client_id", &m.client_id),
                ("client_secret", &m.client_secret),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("json");
        v["access_token"].as_str().unwrap_or_default().to_string()
    });
    let url = format!("{}/rest/v1/lead/100001.json", m.base_url);
    let mut g = c.benchmark_group("throughput");
    g.throughput(criterion::Throughput::Elements(64));
    g.bench_function("marketo_get_lead_x64_concurrent", |b| {
        b.to_async(&rt).iter(|| async {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..64 {
                let (c, u, t) = (client.clone(), url.clone(), token.clone());
                set.spawn(async move { c.get(u).bearer_auth(t).send().await.map(|r| r.status()) });
            }
            while set.join_next().await.is_some() {}
        })
    });
    g.finish();
    rt.block_on(sb.shutdown());
}

criterion_group!(benches, generation, throughput);
criterion_main!(benches);
