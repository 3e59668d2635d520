"""Greetings and short noise: "hello", "ok 7", "merci", "bonjour 82", an emoji.

Why: such messages are not questions. Matched like questions they got "did you mean" with
random topics, and after two of them the person was offered a ticket with the workers.
The right answer is the menu. A message is noise when, once normalised, every word is a
greeting, a thank-you, an "ok" or a small number (a button number typed by hand), or when
nothing is left at all (only emoji or punctuation). One real word ("bonjour, logement ?")
and it is matched as usual. Crisis detection runs before this, always.
"""

from __future__ import annotations

import re

from bot.understanding.normalize import normalize

# Normalised forms (lower case, no accents; Arabic and Ge'ez folded as normalize() does).
_LATIN = """
bonjour bonsoir salut coucou hello allo merci beaucoup ok okay oki dac daccord accord super
parfait cool ca va comment vas tu vous bonne journee soiree au revoir bye ciao svp stp madame
monsieur bjr bsr slt cc bnjr bonjoure bonsoire
hallo hoi dag goedemorgen goedemiddag goedenavond bedankt dank je u wel dankjewel dankuwel
oke prima top tot ziens doei goeiemorgen goeiemiddag goeienavond goeiedag goeiendag
hey hee hoe gaat het
hi hey hiya good morning afternoon evening thanks thank thx ty k great fine goodbye there all
everyone how are hii yo
salam slm salem alaykum alikom aleikum 3likom 3alaykom assalamu chokran choukran shukran
shokran ahlan marhaba mar7aba sba7 sbah lkhir labas sabah saba7 el al kheir khir
masa2 masa hala ahlen ahla
selam kemey aleka alekum alekhum yekenyeley yekenyelay dehan hadirkum hadirkin
we'ilkum weilkum amsikum
pryvit pryvet privet vitayu vitaiu dobryi dobryy dobryj dobroho dobrogo den dnia ranok vechir
dyakuyu dyakuju diakuiu diakuyu spasybi spasibo zdravstvuite zdravstvujte zdrastvuite
ranku vitannia vitannya
"""
_SCRIPTS = """
مرحبا مرحبه اهلا وسهلا السلام عليكم سلام شكرا جزيلا تمام اوكي صباح مساء الخير النور يعطيك
العافيه مع السلامه باي كيفك كيف الحال هلا هلو اهلين صباحو مسا ازيك ازيكم ازيكو
شلونك شلونكم شخبارك شخباركم لاباس كيداير كيدايرة عامل عاملة ايه
ሰላም ከመይ ኣለኹም ኣለኻ ኣለኺ ሓደርኩም ሓዲርኩም ውዒልኩም ኣምሲኹም የቐንየለይ የቐንየልኩም ደሓን ሕራይ
привіт вітаю добрий день ранок вечір дякую спасибі окей ок добре бувай до побачення
здравствуйте здрасте привет доброго ранку вітання
"""
_REPEATED = re.compile(r"(.)\1+")


def _unstretched(word: str) -> str:
    """ "heyyy", "salaaam", "hellooo" → "hey", "salam", "helo": people stretch greetings."""
    return _REPEATED.sub(r"\1", word)


GREETING_WORDS = frozenset(_unstretched(w) for w in normalize(_LATIN + " " + _SCRIPTS).split())
_SMALL_NUMBER = re.compile(r"^\d{1,2}$")


def is_noise(text: str) -> bool:
    """True for a greeting, a thank-you, an "ok", a button number or only emoji."""
    words = normalize(text).split()
    return all(_unstretched(word) in GREETING_WORDS or _SMALL_NUMBER.match(word)
               for word in words)


_LINK = re.compile(r"^(?:https?://|www\.)\S+$|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*$", re.IGNORECASE)


def is_bare_link(text: str) -> bool:
    """True for a message that is only a web link ("https://bit.ly/x", "www.site.be"):
    spam or a forward, never a question. Its letters look like words to the matcher."""
    words = text.split()
    return bool(words) and all(_LINK.match(word.strip("<>()[]")) for word in words)
