//! Sending: N recipients through one of bramka's gateways against the mock, with the gateway's
//! native batching (SMSAPI 100 recipients per request, Infobip 1000, Twilio 1) and at most
//! CONCURRENCY requests in flight. Recipients are generated lazily batch by batch and reports are
//! counted and dropped, so memory stays flat whatever N is: that is what the 10k / 100k / 1M runs
//! show (each in its own process, so the peak RSS is that run's).

use std::sync::Arc;
use std::time::Instant;

use bramka_core::{Gateway, Message, PhoneNumber};
use futures::StreamExt;

const TEXT: &str = "Your order 4711 is ready for pickup at the Main St store until 8 pm.";

/// The gateway and how many recipients it takes per request.
fn gateway(name: &str, base: &str) -> Result<(Arc<dyn Gateway>, usize), String> {
    let e = |e: &dyn std::fmt::Display| format!("cannot build the {name} gateway: {e}");
    Ok(match name {
        "smsapi" => {
            let cfg = bramka_smsapi::SmsapiConfig::builder("bench-token")
                .base_url(format!("{base}/"))
                .sender("Shop")
                .batch_size(100)
                .build()
                .map_err(|x| e(&x))?;
            (Arc::new(bramka_smsapi::SmsapiGateway::new(cfg).map_err(|x| e(&x))?), 100)
        }
        "infobip" => {
            let cfg = bramka_infobip::InfobipConfig::builder(base, "bench-key")
                .sender("Shop")
                .build()
                .map_err(|x| e(&x))?;
            (
                Arc::new(bramka_infobip::InfobipGateway::new(cfg).map_err(|x| e(&x))?),
                bramka_infobip::MAX_RECIPIENTS,
            )
        }
        "twilio" => {
            let cfg =
                bramka_twilio::TwilioConfig::builder("AC0123456789abcdef0123456789abcdef", "bench-token")
                    .from("+15005550006")
                    .base_url(base)
                    .build()
                    .map_err(|x| e(&x))?;
            (Arc::new(bramka_twilio::TwilioGateway::new(cfg).map_err(|x| e(&x))?), 1)
        }
        other => return Err(format!("unknown gateway {other:?}; use smsapi, infobip or twilio")),
    })
}

/// The i-th recipient: +48 5xx xxx xxx.
fn recipient(i: u64) -> PhoneNumber {
    PhoneNumber::parse(&format!("+48{}", 500_000_000 + i)).expect("generated numbers are valid")
}

pub fn run(name: &str, base: &str, n: &str, concurrency: &str) -> Result<String, String> {
    let base = base.trim_end_matches('/');
    if !base.starts_with("http://127.0.0.1:") {
        return Err(format!("refusing base URL {base:?}: benchmarks only talk to http://127.0.0.1:PORT"));
    }
    let n: u64 = crate::num("N", n)?;
    let concurrency: usize = crate::num("CONCURRENCY", concurrency)?;
    if n == 0 || concurrency == 0 {
        return Err("N and CONCURRENCY must be at least 1".to_owned());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let (gw, batch) = gateway(name, base)?;
    let template = Message::builder()
        .to("+48500000000")
        .text(TEXT)
        .build()
        .map_err(|e| format!("cannot build the message: {e}"))?;
    let cpu0 = crate::measure::cpu_secs();
    let start = Instant::now();
    let (accepted, failed, first_error) = rt.block_on(async {
        let batch = batch as u64;
        futures::stream::iter((0..n).step_by(batch as usize))
            .map(|from| {
                let to: Vec<PhoneNumber> = (from..(from + batch).min(n)).map(recipient).collect();
                let msg = template.with_recipients(to);
                let gw = gw.clone();
                async move {
                    match gw.send(&msg).await {
                        Ok(r) => {
                            let ok = r.recipients.iter().filter(|x| x.state.is_accepted()).count() as u64;
                            let bad = r
                                .recipients
                                .iter()
                                .find(|x| !x.state.is_accepted())
                                .map(|x| format!("{:?}", x.state));
                            (ok, msg.recipients().len() as u64 - ok, bad)
                        }
                        Err(e) => (0, msg.recipients().len() as u64, Some(e.to_string())),
                    }
                }
            })
            .buffer_unordered(concurrency)
            .fold((0u64, 0u64, None::<String>), |(a, f, e), (ok, bad, err)| async move {
                (a + ok, f + bad, e.or(err))
            })
            .await
    });
    let secs = start.elapsed().as_secs_f64();
    let cpu = crate::measure::cpu_secs() - cpu0;
    if failed > 0 {
        return Err(format!(
            "{name}: {failed} of {n} recipients not accepted; first problem: {}",
            first_error.unwrap_or_default()
        ));
    }
    Ok(serde_json::json!({
        "tool": format!("bramka-{name}"),
        "gateway": name,
        "recipients": n,
        "accepted": accepted,
        "per_request": batch,
        "concurrency": concurrency,
        "secs": secs,
        "msgs_per_sec": accepted as f64 / secs,
        "cpu_secs": cpu,
        "cpu_us_per_msg": cpu * 1e6 / accepted as f64,
        "msgs_per_cpu_sec": accepted as f64 / cpu,
        "peak_rss_mib": crate::measure::peak_rss_mib(),
    })
    .to_string())
}
