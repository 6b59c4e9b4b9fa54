//! Configuration validation: every bad field at once, placeholders, recipients, secrets.

use std::time::Duration;

use bramka_core::Secret;
use bramka_core::encoding::Policy;
use bramka_flow::{
    Content, Field, RemoteApi, RemoteMethod, ResponseFormat, SmsActionConfig, TemplateProblem,
};

#[test]
fn a_good_config_keeps_every_setting() {
    let c = SmsActionConfig::builder()
        .label("after-hours")
        .sender("Shop")
        .delay(Duration::from_secs(30))
        .recipients("+48600100200, 0048 600 100 201")
        .recipients("+48600100200")
        .also_to_caller(true)
        .once_per_call(true)
        .template("Hi {shop}")
        .field("shop", "Acme")
        .build()
        .unwrap();
    assert_eq!(c.label(), "after-hours");
    assert_eq!(c.sender().unwrap().as_string(), "Shop");
    assert_eq!(c.delay(), Duration::from_secs(30));
    let r: Vec<String> = c.recipients().iter().map(|n| n.e164()).collect();
    assert_eq!(r, ["+48600100200", "+48600100201"], "duplicates removed");
    assert!(c.also_to_caller() && c.once_per_call());
    assert!(matches!(c.content(), Content::Template(t) if t.source() == "Hi {shop}"));
    assert_eq!(c.fields()[0].name(), "shop");
    assert_eq!(c.fields()[0].value(), Some("Acme"));
    assert_eq!(c.schedule_threshold(), Some(Duration::from_secs(600)));
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let err = SmsActionConfig::builder()
        .label("   ")
        .sender("Far too long a sender")
        .delay(Duration::from_secs(25 * 3600))
        .recipients("+48600100200, 600100201, +48abc")
        .caller_prefix("4x")
        .dedupe_ttl(Duration::ZERO)
        .schedule_threshold(Duration::ZERO)
        .policy(Policy::default().with_max_parts(0))
        .field("call_id", "x")
        .field("bad name", "y")
        .field("ok", "1")
        .field("ok", "2")
        .remote(
            RemoteApi::get("ftp://crm.example.com/sms")
                .timeout(Duration::ZERO)
                .json_pointer("data/sms")
                .fallback("  "),
        )
        .build()
        .unwrap_err();
    let fields = err.fields();
    let expected = [
        Field::Label,
        Field::Sender,
        Field::Delay,
        Field::Recipients,
        Field::CallerPrefix,
        Field::DedupeTtl,
        Field::ScheduleThreshold,
        Field::Policy,
        Field::CustomField("call_id".into()),
        Field::CustomField("bad name".into()),
        Field::CustomField("ok".into()),
        Field::RemoteUrl,
        Field::RemoteTimeout,
        Field::RemoteResponse,
        Field::RemoteFallback,
    ];
    for f in &expected {
        assert!(err.has(f), "{f} missing from {err}");
    }
    // Two bad recipients, each listed with its value.
    let bad_recipients: Vec<&str> =
        err.problems.iter().filter(|p| p.field == Field::Recipients).map(|p| p.value.as_str()).collect();
    assert_eq!(bad_recipients, ["600100201", "+48abc"]);
    assert_eq!(fields.len(), expected.len() + 1, "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("invalid SMS action configuration ({} problem(s))", expected.len() + 1))
    );
    assert!(msg.contains("not in international format"), "{msg}");
    assert!(msg.contains("http:// or https://"), "{msg}");
}

#[test]
fn missing_label_content_and_recipients_are_reported() {
    let err = SmsActionConfig::builder().build().unwrap_err();
    assert_eq!(err.fields(), [&Field::Label, &Field::Recipients, &Field::Content]);
    assert!(err.to_string().contains("set a template or the customer's API"), "{err}");
}

#[test]
fn caller_alone_is_enough_recipients() {
    let c = SmsActionConfig::builder().label("l").also_to_caller(true).template("Thanks").build().unwrap();
    assert!(c.recipients().is_empty());
}

#[test]
fn unknown_placeholder_is_a_config_error_listing_the_known_ones() {
    let err = SmsActionConfig::builder()
        .label("l")
        .recipients("+48600100200")
        .template("Call {call_id} from {caller}; order {order_id}")
        .field("shop", "Acme")
        .build()
        .unwrap_err();
    assert_eq!(err.fields(), [&Field::Template]);
    let msg = err.to_string();
    assert!(msg.contains("unknown placeholder {caller}"), "{msg}");
    assert!(msg.contains("unknown placeholder {order_id}"), "{msg}");
    assert!(msg.contains("known placeholders: {from_number}, {to_number}, {call_id}, {shop}"), "{msg}");
}

#[test]
fn template_problems_are_typed() {
    let err = bramka_flow::Template::parse("a {x} b", &["y"]).unwrap_err();
    assert_eq!(err.problems, [TemplateProblem::UnknownPlaceholder { name: "x".into(), position: 2 }]);
    assert_eq!(err.known, ["y"]);
}

#[test]
fn fixed_template_text_over_the_part_cap_is_refused() {
    let err = SmsActionConfig::builder()
        .label("l")
        .recipients("+48600100200")
        .policy(Policy::default().with_max_parts(1))
        .template(format!("{} {{call_id}}", "a".repeat(200)))
        .build()
        .unwrap_err();
    assert_eq!(err.fields(), [&Field::Template]);
    assert!(err.to_string().contains("at most 1 are allowed"), "{err}");
}

#[test]
fn remote_settings_are_kept() {
    let c = SmsActionConfig::builder()
        .label("l")
        .recipients("+48600100200")
        .remote(
            RemoteApi::post_form("https://crm.example.com/sms")
                .timeout(Duration::from_millis(1500))
                .json_pointer("/a~1b/0")
                .fallback(" Thanks "),
        )
        .build()
        .unwrap();
    let Content::Remote(r) = c.content() else { panic!("remote content expected") };
    assert_eq!(r.method(), RemoteMethod::PostForm);
    assert_eq!(r.url().as_str(), "https://crm.example.com/sms");
    assert_eq!(r.timeout(), Duration::from_millis(1500));
    assert_eq!(r.response(), &ResponseFormat::JsonPointer("/a~1b/0".into()));
    assert_eq!(r.fallback(), Some("Thanks"));
}

#[test]
fn secrets_never_print_and_never_reach_a_template() {
    let c = SmsActionConfig::builder()
        .label("l")
        .recipients("+48600100200")
        .remote(RemoteApi::get("https://crm:pa55word@crm.example.com/sms?key=k3y-value"))
        .secret_field("api_key", Secret::new("s3cr3t-value"))
        .build()
        .unwrap();
    let debug = format!("{c:?}");
    for secret in ["s3cr3t-value", "pa55word", "k3y-value"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("api_key=***"), "{debug}");
    assert_eq!(c.fields()[0].value(), None);
    assert_eq!(c.fields()[0].expose(), "s3cr3t-value");

    let err = SmsActionConfig::builder()
        .label("l")
        .recipients("+48600100200")
        .template("key {api_key}")
        .secret_field("api_key", Secret::new("s3cr3t-value"))
        .secret_field("bad name", Secret::new("other-s3cr3t"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("{api_key} is secret"), "{err}");
    let printed = format!("{err} {err:?}");
    assert!(!printed.contains("s3cr3t-value") && !printed.contains("other-s3cr3t"), "{printed}");

    let err = SmsActionConfig::builder()
        .label("l")
        .recipients("+48600100200")
        .remote(RemoteApi::get("ftp://u:pa55word@h/x?token=k3y-value"))
        .build()
        .unwrap_err();
    let printed = format!("{err} {err:?}");
    assert!(err.has(&Field::RemoteUrl));
    assert!(!printed.contains("pa55word") && !printed.contains("k3y-value"), "{printed}");
}

#[test]
fn dedupe_key_separates_elements() {
    let b = || SmsActionConfig::builder().recipients("+48600100200").template("x");
    let a = b().label("a").build().unwrap();
    let c = b().label("c").build().unwrap();
    assert_ne!(a.dedupe_key("1"), c.dedupe_key("1"));
    assert_ne!(a.dedupe_key("1"), a.dedupe_key("2"));
}
