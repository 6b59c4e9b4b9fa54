//! Segmentation benchmark (placeholder, replaced by the encoding work).

fn main() {
    divan::main();
}

#[divan::bench]
fn short_gsm() -> usize {
    bramka_core::encoding::analyze(divan::black_box("Hello world"), &Default::default()).segments()
}
