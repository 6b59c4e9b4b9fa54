//! Example tests at every boundary of the segmentation spec (sections 6-9 and the anchors of
//! section 12) and of issue 2.

use bramka_core::encoding::{
    self, Analysis, ConcatRef, Encoding, EncodingError, NationalLanguage, Policy, ShiftTables, SplitMode,
};

fn units(a: &Analysis) -> Vec<usize> {
    a.parts().iter().map(|p| p.units).collect()
}

fn check(text: &str, policy: &Policy, encoding: Encoding, total: usize, parts: &[usize]) -> Analysis {
    let a = encoding::analyze(text, policy);
    assert_eq!(a.encoding(), encoding, "encoding of {text:?}");
    assert_eq!(a.units(), total, "units of {text:?}");
    assert_eq!(units(&a), parts, "parts of {text:?}");
    assert_eq!(a.parts().iter().map(|p| p.text.as_str()).collect::<String>(), a.text());
    a
}

fn gsm(text: &str, total: usize, parts: &[usize]) -> Analysis {
    check(text, &Policy::default(), Encoding::Gsm7, total, parts)
}

fn ucs2(text: &str, total: usize, parts: &[usize]) -> Analysis {
    check(text, &Policy::default(), Encoding::Ucs2, total, parts)
}

fn a(n: usize) -> String {
    "a".repeat(n)
}

#[test]
fn empty_text_is_one_empty_gsm_part() {
    let an = gsm("", 0, &[0]);
    assert_eq!(an.segments(), 1);
    assert!(an.fits());
}

#[test]
fn gsm7_single_part_limit_160_161() {
    let one = gsm(&a(160), 160, &[160]);
    assert_eq!((one.part_capacity(), one.capacity()), (160, 160));
    let two = gsm(&a(161), 161, &[153, 8]);
    assert_eq!((two.part_capacity(), two.capacity()), (153, 306));
}

#[test]
fn gsm7_two_part_limit_306_307() {
    gsm(&a(306), 306, &[153, 153]);
    gsm(&a(307), 307, &[153, 153, 1]);
}

#[test]
fn extension_characters_cost_two_septets() {
    gsm(&(a(158) + "€"), 160, &[160]);
    gsm(&(a(159) + "€"), 161, &[153, 8]);
    gsm(&"{".repeat(80), 160, &[160]);
    gsm(&"{".repeat(81), 162, &[152, 10]);
    gsm("^{}\\[~]|€\u{c}", 20, &[20]);
    // As many bytes as septets, but not one byte per septet.
    gsm(&"é{".repeat(60), 180, &[153, 27]);
}

#[test]
fn escape_pair_at_unit_153_moves_to_next_part() {
    // 152 septets used, one left: the pair for € starts the next part.
    let an = gsm(&(a(152) + "€" + &"b".repeat(10)), 164, &[152, 12]);
    assert_eq!(an.parts()[1].text, format!("€{}", "b".repeat(10)));
    gsm(&(a(152) + "€" + &a(7)), 161, &[152, 9]);
    // 151 used: the pair fits exactly.
    gsm(&(a(151) + "€" + &a(8)), 161, &[153, 8]);
}

#[test]
fn cap_1071_1072_gsm7() {
    let ok = gsm(&a(1071), 1071, &[153; 7]);
    assert!(ok.fits());
    assert_eq!(ok.ensure_fits(), Ok(()));
    assert_eq!(ok.max_units(), 1071);
    let over = encoding::analyze(&a(1072), &Policy::default());
    assert_eq!(over.segments(), 8);
    assert!(!over.fits());
    assert_eq!(
        over.ensure_fits(),
        Err(EncodingError::TooManyParts {
            needed: 8,
            max_parts: 7,
            units: 1072,
            max_units: 1071,
            encoding: Encoding::Gsm7
        })
    );
}

#[test]
fn euro_533_needs_8_parts_by_packing() {
    let mut parts = vec![152; 7];
    parts.push(2);
    let an = gsm(&"€".repeat(533), 1066, &parts);
    assert!(an.units() < an.max_units(), "fewer units than the cap, still too many parts");
    assert!(matches!(an.ensure_fits(), Err(EncodingError::TooManyParts { needed: 8, .. })));
    assert!(gsm(&"€".repeat(532), 1064, &[152; 7]).fits());
}

#[test]
fn ucs2_single_part_limit_70_71() {
    ucs2(&"Ж".repeat(70), 70, &[70]);
    let two = ucs2(&"Ж".repeat(71), 71, &[67, 4]);
    assert_eq!(two.capacity(), 134);
}

#[test]
fn surrogate_pairs_count_two_and_are_never_split() {
    ucs2(&(a(68) + "😀"), 70, &[70]);
    // The emoji would occupy units 67-68: the part closes at 66.
    let an = ucs2(&(a(66) + "😀" + &"b".repeat(10)), 78, &[66, 12]);
    assert!(an.parts()[1].text.starts_with('😀'));
    ucs2(&(a(65) + "😀" + &"b".repeat(10)), 77, &[67, 10]);
}

#[test]
fn cap_469_470_ucs2() {
    let ok = ucs2(&"ś".repeat(469), 469, &[67; 7]);
    assert_eq!(ok.max_units(), 469);
    assert!(ok.fits());
    let over = encoding::analyze(&"ś".repeat(470), &Policy::default());
    assert_eq!(
        over.ensure_fits(),
        Err(EncodingError::TooManyParts {
            needed: 8,
            max_parts: 7,
            units: 470,
            max_units: 469,
            encoding: Encoding::Ucs2
        })
    );
}

#[test]
fn emoji_232_needs_8_parts_by_packing() {
    let mut parts = vec![66; 7];
    parts.push(2);
    let an = ucs2(&"😀".repeat(232), 464, &parts);
    assert!(!an.fits());
    assert!(ucs2(&"😀".repeat(231), 462, &[66; 7]).fits());
}

#[test]
fn grapheme_clusters_kept_whole_by_default() {
    let text = a(65) + "🇵🇱" + &"b".repeat(10);
    let g = ucs2(&text, 79, &[65, 14]);
    assert!(g.parts()[1].text.starts_with("🇵🇱"));
    assert_eq!(g.split_mode(), SplitMode::Graphemes);
    let cp = Policy::default().with_split_mode(SplitMode::CodePoints);
    let c = check(&text, &cp, Encoding::Ucs2, 79, &[67, 12]);
    assert!(c.parts()[0].text.ends_with('\u{1F1F5}'));
}

#[test]
fn zwj_family_and_skin_tone_kept_whole() {
    let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦"; // 11 units
    let an = ucs2(&(a(60) + family + "x"), 72, &[60, 12]);
    assert_eq!(an.parts()[1].text, format!("{family}x"));
    let thumbs = "👍🏽"; // 4 units
    let an = ucs2(&(a(65) + thumbs), 69, &[69]);
    assert_eq!(an.segments(), 1);
    let an = ucs2(&(a(66) + thumbs + "y"), 71, &[66, 5]);
    assert!(an.parts()[1].text.starts_with(thumbs));
    let keycap = "1\u{FE0F}\u{20E3}";
    ucs2(&(a(65) + keycap + &a(5)), 73, &[65, 8]);
}

#[test]
fn cluster_longer_than_a_part_falls_back_to_code_points() {
    // A zalgo cluster of 100 units cannot fit any part: it is split, parts stay full.
    let zalgo = format!("x{}", "\u{301}".repeat(99));
    let an = ucs2(&(a(10) + &zalgo), 110, &[67, 43]);
    assert_eq!(an.parts().iter().map(|p| p.units).sum::<usize>(), 110);
}

#[test]
fn sixteen_bit_reference_costs_one_unit_per_part() {
    let p = Policy::default().with_concat_ref(ConcatRef::SixteenBit);
    check(&a(161), &p, Encoding::Gsm7, 161, &[152, 9]);
    check(&"ś".repeat(71), &p, Encoding::Ucs2, 71, &[66, 5]);
    let ok = check(&a(1064), &p, Encoding::Gsm7, 1064, &[152; 7]);
    assert_eq!(ok.max_units(), 1064);
    let over = encoding::analyze(&a(1065), &p);
    assert!(matches!(over.ensure_fits(), Err(EncodingError::TooManyParts { max_units: 1064, .. })));
    let u = encoding::analyze(&"ś".repeat(463), &p);
    assert!(matches!(u.ensure_fits(), Err(EncodingError::TooManyParts { max_units: 462, .. })));
}

#[test]
fn configurable_cap_and_zero() {
    let one = encoding::analyze(&a(161), &Policy::default().with_max_parts(1));
    assert!(matches!(
        one.ensure_fits(),
        Err(EncodingError::TooManyParts { needed: 2, max_parts: 1, max_units: 160, .. })
    ));
    let many = encoding::analyze(&a(153 * 255), &Policy::default().with_max_parts(255));
    assert_eq!(many.segments(), 255);
    assert!(many.fits());
    assert_eq!(many.max_units(), 153 * 255);
    let zero = encoding::analyze("hi", &Policy::default().with_max_parts(0));
    assert!(!zero.fits());
    assert_eq!(zero.max_units(), 0);
    let err = zero.ensure_fits().unwrap_err();
    assert_eq!(err, EncodingError::InvalidMaxParts { max_parts: 0 });
    assert!(err.to_string().contains("1 to 255"), "{err}");
}

#[test]
fn nfc_composes_before_detection() {
    let decomposed = "Cafe\u{301}";
    let an = gsm(decomposed, 4, &[4]);
    assert_eq!(an.text(), "Café");
    let raw = check(decomposed, &Policy::default().with_nfc(false), Encoding::Ucs2, 5, &[5]);
    assert_eq!(raw.ucs2_chars(), ['\u{301}']);
    // OHM SIGN is not Omega until composed.
    assert_eq!(gsm("\u{2126}", 1, &[1]).text(), "Ω");
}

#[test]
fn detection_pitfalls_of_spec_section_2() {
    assert_eq!(ucs2("ça va", 5, &[5]).ucs2_chars(), ['ç']);
    gsm("Ça va", 5, &[5]);
    assert_eq!(ucs2("a\u{1B}b", 3, &[3]).ucs2_chars(), ['\u{1B}']);
    assert_eq!(ucs2("a\u{A0}b", 3, &[3]).ucs2_chars(), ['\u{A0}']);
    assert_eq!(ucs2("a\tb`", 4, &[4]).ucs2_chars(), ['\t', '`']);
    assert_eq!(ucs2("ΑΒ", 2, &[2]).ucs2_chars(), ['Α', 'Β'], "Latin-looking Greek capitals");
    gsm("ΔΦΓΛΩΠΨΣΘΞ", 10, &[10]);
    ucs2("δ", 1, &[1]);
    ucs2("È", 1, &[1]);
    gsm("É èéùìòà", 8, &[8]);
    gsm("a\r\nb", 4, &[4]);
    ucs2("❤\u{FE0F}", 2, &[2]);
    gsm("@£$¥ÇØøÅåΔ_ÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà", 48, &[48]);
}

#[test]
fn ucs2_chars_distinct_in_first_occurrence_order() {
    let an = ucs2("łąłą😀 ł", 8, &[8]);
    assert_eq!(an.ucs2_chars(), ['ł', 'ą', '😀']);
    assert!(gsm("abc", 3, &[3]).ucs2_chars().is_empty());
}

#[test]
fn turkish_shift_tables_reduce_parts_and_capacity() {
    let text = "Şişli'de güzel bir gün. İstanbul'un ışıkları çok güzel, ağaçlar yeşil mi?";
    assert_eq!(text.chars().count(), 73);
    let plain = encoding::analyze(text, &Policy::default());
    assert_eq!((plain.encoding(), plain.segments()), (Encoding::Ucs2, 2));
    let p = Policy::default().with_language(Some(NationalLanguage::Turkish));
    let tr = check(text, &p, Encoding::Gsm7, 73, &[73]);
    assert_eq!(tr.shift_tables(), ShiftTables { locking: Some(NationalLanguage::Turkish), single: None });
    assert_eq!(tr.part_capacity(), 155, "one shift IE in a single part: UDH 4 octets");
    // Long Turkish text: 149 septets per concatenated part.
    let long = text.repeat(3);
    let tr = check(&long, &p, Encoding::Gsm7, 219, &[149, 70]);
    assert_eq!(tr.max_units(), 7 * 149);
    // Plain GSM text does not use the tables (fewest IEs win on equal part counts).
    let g = check(&a(200), &p, Encoding::Gsm7, 200, &[153, 47]);
    assert_eq!(g.shift_tables(), ShiftTables::default());
}

#[test]
fn turkish_with_both_tables() {
    // è is only in the default alphabet (not the Turkish locking table); ş only in Turkish tables.
    // Default alphabet + Turkish single shift: ş costs 2 septets.
    let p = Policy::default().with_language(Some(NationalLanguage::Turkish));
    let an = check("èş", &p, Encoding::Gsm7, 3, &[3]);
    assert_eq!(an.shift_tables(), ShiftTables { locking: None, single: Some(NationalLanguage::Turkish) });
    // € is 1 septet in the Turkish locking table; with è absent the locking table wins.
    let an = check(&"ş€".repeat(100), &p, Encoding::Gsm7, 200, &[149, 51]);
    assert_eq!(an.shift_tables().locking, Some(NationalLanguage::Turkish));
}

#[test]
fn spanish_single_shift() {
    let p = Policy::default().with_language(Some(NationalLanguage::Spanish));
    let text = "¿Qué tal? La canción del camión está aquí.";
    let an = check(text, &p, Encoding::Gsm7, 46, &[46]);
    assert_eq!(an.shift_tables(), ShiftTables { locking: None, single: Some(NationalLanguage::Spanish) });
    assert_eq!(an.part_capacity(), 155);
    let long = text.repeat(4); // 184 septets
    check(&long, &p, Encoding::Gsm7, 184, &[149, 35]);
}

#[test]
fn portuguese_locking_shift() {
    let p = Policy::default().with_language(Some(NationalLanguage::Portuguese));
    let text = "Não há ações às três da tarde; você está à espera? ".repeat(4);
    let plain = encoding::analyze(&text, &Policy::default());
    assert_eq!((plain.encoding(), plain.segments()), (Encoding::Ucs2, 4));
    let pt = encoding::analyze(&text, &p);
    assert_eq!(pt.encoding(), Encoding::Gsm7);
    assert_eq!(pt.segments(), 2);
    assert_eq!(pt.shift_tables().locking, Some(NationalLanguage::Portuguese));
    assert!(
        pt.parts().iter().all(|part| part.units <= 149 - 3 * usize::from(pt.shift_tables().single.is_some()))
    );
}
