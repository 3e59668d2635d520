from bot.understanding.normalize import normalize, script_of


def test_latin_accents_case_and_punctuation_fold() -> None:
    assert normalize("Médecin GÉNÉRALISTE, œuvre !") == "medecin generaliste oeuvre"
    assert normalize("leefloon?") == "leefloon"


def test_arabic_diacritics_tatweel_and_letter_variants_fold() -> None:
    assert normalize("أُرِيدُ") == normalize("اريد")
    assert normalize("مـــدرسة") == normalize("مدرسه")
    assert normalize("مستشفى") == normalize("مستشفي")
    assert normalize("إيجار") == normalize("ايجار")


def test_geez_series_variants_fold_to_one_spelling() -> None:
    assert normalize("ሓገዝ") == normalize("ሀገዝ") == normalize("ኃገዝ")
    assert normalize("ሰብ") == normalize("ሠብ")
    assert normalize("ኣብ") == normalize("አብ") == normalize("ዐብ")
    assert normalize("ጸሓይ") == normalize("ፀሐይ")


def test_cyrillic_letters_keep_their_identity() -> None:
    assert normalize("Допомога з житлом") == "допомога з житлом"
    assert normalize("й") == "й"


def test_script_detection() -> None:
    assert script_of("مرحبا CPAS") == "arabic"
    assert script_of("ሰላም") == "ethiopic"
    assert script_of("Привіт") == "cyrillic"
    assert script_of("bonjour") == "latin"


def test_every_apostrophe_separates_words() -> None:
    assert normalize("б'є") == normalize("б’є") == normalize("бʼє") == "б є"
    assert normalize("l`eau") == "l eau"
