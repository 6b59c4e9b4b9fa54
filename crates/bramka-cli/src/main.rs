//! The `bramka` command line.

fn main() {
    println!("bramka: work in progress");
}
