from bot.domain.messages import Button, Reply
from bot.render.markdown import FSI, PDI, isolate, to_html, to_plain
from bot.render.renderer import Renderer


def test_markdown_to_telegram_html_escapes_text_and_keeps_allowed_tags() -> None:
    html = to_html("Pay <b>1 & 2</b> with **care** and [see](https://x.be/?a=1&b=2).")
    assert html == ('Pay &lt;b&gt;1 &amp; 2&lt;/b&gt; with <b>care</b> and '
                    '<a href="https://x.be/?a=1&amp;b=2">see</a>.')


def test_javascript_links_are_dropped() -> None:
    assert "<a" not in to_html("[x](javascript:alert(1))")


def test_plain_text_shows_link_targets() -> None:
    assert to_plain("**Bold** [site](https://a.be)") == "Bold site (https://a.be)"


def test_rtl_isolates_numbers_and_urls_only_in_rtl() -> None:
    assert isolate("اتصل 0800 32 123 الآن", rtl=True) == f"اتصل {FSI}0800 32 123{PDI} الآن"
    assert isolate("call 112", rtl=False) == "call 112"


def test_message_template_escapes_values() -> None:
    reply = Reply("message", "fr", {"text": "<script>x</script> & co"}, None,
                  ((Button("OK", "menu"),),))
    rendered = Renderer("html").render(reply)
    assert rendered.text == "&lt;script&gt;x&lt;/script&gt; &amp; co"
    assert rendered.buttons[0][0].action == "menu"


def test_answer_template_in_arabic_isolates_date_and_escapes_title() -> None:
    context = {"title": "عنوان <1>", "body": "اتصل بالرقم 112.", "checked": "22 نوفمبر 2026",
               "checked_label": "تم التحقق", "source": "https://www.mi-is.be/?a=1&b=2",
               "source_label": "المصدر", "helped": "هل ساعدك هذا؟", "notices": [],
               "direction": "rtl"}
    text = Renderer("html").render(Reply("answer", "ar", context, "key")).text
    assert "<b>عنوان &lt;1&gt;</b>" in text
    assert f"{FSI}112{PDI}" in text
    assert 'href="https://www.mi-is.be/?a=1&amp;b=2"' in text


def test_rtl_isolates_commands_but_not_slashes_between_words() -> None:
    assert isolate("اكتب /menu الآن", rtl=True) == f"اكتب {FSI}/menu{PDI} الآن"
    assert isolate("CPAS/OCMW", rtl=True) == "CPAS/OCMW"


RLM = "\u200f"


def test_arabic_glossary_starts_with_a_right_to_left_mark_in_every_format() -> None:
    # The term is Latin (CPAS): without a strong RTL character first, Telegram and
    # terminals lay the whole line out left to right and "OCMW." lands where Arabic starts.
    context = {"term": "CPAS", "means": "المركز الاجتماعي في بلديتك. بالهولندية OCMW."}
    for fmt in ("html", "plain"):
        text = Renderer(fmt).render(Reply("glossary", "ar", context, None)).text
        assert text.startswith(RLM), fmt
        assert "CPAS" in text
    web = Renderer("web").render(Reply("glossary", "ar", context, None)).text
    assert web.startswith(f'<p class="glossary">{RLM}<strong>CPAS</strong>')


def test_left_to_right_glossary_has_no_mark() -> None:
    context = {"term": "CPAS", "means": "Le service social de votre commune."}
    for fmt in ("html", "plain", "web"):
        text = Renderer(fmt).render(Reply("glossary", "fr", context, None)).text
        assert RLM not in text, fmt
    assert Renderer("html").render(Reply("glossary", "fr", context, None)).text.startswith("❓")
