//! Inbound: N webhook deliveries ingested one after another by `bramka_inbound::Inbound` (each
//! ingestion is one store transaction), with the memory or the SQLite store (a WAL file under
//! WORKDIR), with or without a poll (vote counting, per-number limit, a reply in the outbox),
//! and DUP_PCT percent of the deliveries being an operator's retry of an earlier message id.

use std::sync::Arc;
use std::time::Instant;

use bramka_core::InboundMessage;
use bramka_inbound::{Config, Inbound, Limit, MemoryStore, Poll, PollOption, ReceivingNumber, Store};

const NUMBER: &str = "+48790100200";

fn config(polls: bool) -> Result<Config, String> {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUMBER).reply_sender("SKLEP")).map_err(|e| e.to_string())?;
    if polls {
        let mut b = Poll::builder("rating", "Shop rating", NUMBER).prefix("GŁOSUJĘ");
        for (code, alias) in [("1", "jeden"), ("2", "dwa"), ("3", "trzy"), ("4", "cztery"), ("5", "pięć")] {
            b = b.option(PollOption::new(code).alias(alias).reply(format!("Dziękujemy za ocenę {code}!")));
        }
        let poll = b
            .over_limit_reply("Już głosowałeś")
            .limit(Limit::per_poll(1))
            .build()
            .map_err(|e| e.to_string())?;
        cfg.add_poll(poll).map_err(|e| e.to_string())?;
    }
    Ok(cfg)
}

pub fn run(store: &str, polls: &str, n: &str, dup_pct: &str, dir: &str) -> Result<String, String> {
    let polls = match polls {
        "0" => false,
        "1" => true,
        other => return Err(format!("POLLS must be 0 or 1, got {other:?}")),
    };
    let n: u64 = crate::num("N", n)?;
    let dup_pct: u64 = crate::num("DUP_PCT", dup_pct)?;
    if dup_pct >= 100 {
        return Err(format!("DUP_PCT must be below 100, got {dup_pct}"));
    }
    let st: Arc<dyn Store> = match store {
        "memory" => Arc::new(MemoryStore::new()),
        "sqlite" => {
            let path = std::path::Path::new(dir)
                .join(format!("inbound-{}-{polls}-{dup_pct}.sqlite", std::process::id()));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Arc::new(
                bramka_inbound::SqliteStore::open(&path)
                    .map_err(|e| format!("cannot open {}: {e}", path.display()))?,
            )
        }
        other => return Err(format!("STORE must be memory or sqlite, got {other:?}")),
    };
    let inbound = Inbound::new(config(polls)?, st);
    let at: chrono::DateTime<chrono::Utc> = "2026-05-01T10:00:00Z".parse().expect("fixed time");
    let texts = [
        "GŁOSUJĘ 5",
        "glosuje: piec",
        "głosuję 3",
        "GLOSUJE-1",
        "głosuję cztery",
        "Dzień dobry, kiedy otwieracie?",
    ];
    let message = |i: u64| {
        let from = format!("48600{:06}", i % 1_000_000);
        InboundMessage::new("smsapi", format!("m{i}"), &from, &NUMBER[1..], texts[(i % 6) as usize], at)
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let cpu0 = crate::measure::cpu_secs();
    let start = Instant::now();
    let (mut fresh, mut dups) = (0u64, 0u64);
    let mut distinct = 0u64;
    rt.block_on(async {
        for k in 0..n {
            // A deterministic spread of retries: every (100 / dup_pct)-th delivery repeats an
            // earlier id; the others are new messages.
            let is_dup = dup_pct > 0 && distinct > 0 && (k * dup_pct) % 100 < dup_pct;
            let id = if is_dup { (k * 7919) % distinct } else { distinct };
            let got = inbound.ingest(&message(id)).await.map_err(|e| format!("ingest failed: {e}"))?;
            if !is_dup {
                distinct += 1;
            }
            if got.duplicate {
                dups += 1;
            } else {
                fresh += 1;
            }
        }
        Ok::<(), String>(())
    })?;
    let secs = start.elapsed().as_secs_f64();
    let cpu = crate::measure::cpu_secs() - cpu0;
    if fresh != distinct || fresh + dups != n {
        return Err(format!(
            "exactly-once violated: {distinct} distinct messages delivered, {fresh} stored as new, {dups} as duplicates"
        ));
    }
    Ok(serde_json::json!({
        "tool": format!("bramka-inbound {store}{}{}", if polls { " + poll" } else { "" },
            if dup_pct > 0 { format!(" + {dup_pct}% duplicates") } else { String::new() }),
        "store": store,
        "polls": polls,
        "dup_pct": dup_pct,
        "deliveries": n,
        "stored": fresh,
        "duplicates": dups,
        "secs": secs,
        "msgs_per_sec": n as f64 / secs,
        "cpu_us_per_msg": cpu * 1e6 / n as f64,
        "peak_rss_mib": crate::measure::peak_rss_mib(),
    })
    .to_string())
}
