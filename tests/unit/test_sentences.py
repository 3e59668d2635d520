from bot.content.sentences import count_words, split_sentences


def test_splits_on_latin_arabic_and_geez_enders() -> None:
    assert split_sentences("Appelez le **112**. Ça va ?") == ["Appelez le 112.", "Ça va ?"]
    assert split_sentences("هل تحتاج مساعدة؟ اتصل بالرقم 112.") == [
        "هل تحتاج مساعدة؟", "اتصل بالرقم 112."]
    assert split_sentences("ኣብ ኮሙን ተመዝገብ። ሓገዝ ትደሊ፧ እወ") == ["ኣብ ኮሙን ተመዝገብ።", "ሓገዝ ትደሊ፧", "እወ"]


def test_numbers_abbreviations_and_links_do_not_split() -> None:
    text = "Ça coûte 2.5 euros, p.ex. au CPAS. Voir [le site](https://www.mi-is.be/a.b)."
    assert split_sentences(text) == ["Ça coûte 2.5 euros, p.ex. au CPAS.", "Voir le site."]


def test_word_count_ignores_punctuation_and_keeps_hyphenated_words_whole() -> None:
    assert count_words("Le week-end, appelez le 1733 !") == 5
    assert count_words("Suicide : 1813 en Flandre.") == 4
