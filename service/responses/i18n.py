"""The words of the responder's pages, in English and French, and the choice between them.

The language comes from `?lang=` when the person picked one, otherwise from
Accept-Language; English when neither names a language we have. Instrument texts come
from the instrument file itself (`{en, fr}`), falling back to its first language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

LANGUAGES = ("en", "fr")
DEFAULT = "en"
# The name of each language in itself, for the switch.
NATIVE = {"en": "English", "fr": "Français"}
# About how long one item takes on a phone, to tell people what to expect.
SECONDS_PER_ITEM = 7

_MONTHS = {
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ).split(),
}

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "survey_title": "Anonymous survey",
        "switch_label": "Language",
        "length": "{items} questions, about {minutes} minutes. You can skip any question.",
        "stored_title": "What is kept, and what is not",
        "stored_yes": (
            "Kept: your answers, with this survey round and the unit your card was printed "
            "for (for example your station or shift). Nothing else."
        ),
        "stored_no": (
            "Not kept: your name, your address or device, or the time you answered. This "
            "page sets no cookies. When the survey closes, the answers are shuffled and the "
            "record of which cards were used is deleted."
        ),
        "stored_leaders": (
            "Leaders see only totals for groups, with a little random noise added: never one "
            "person's answers. Small groups are not shown."
        ),
        "code_label_cards": "Code from your card",
        "code_label_open": "Access code from your link",
        "code_hint_cards": (
            "Scanning the QR code fills this in. Otherwise type the code printed on the "
            "card; dashes, spaces and capitals do not matter."
        ),
        "code_hint_open": "Opening the link fills this in.",
        "prefer_not": "Prefer not to answer",
        "submit": "Send my answers",
        "errors_title": "Please check the following",
        "error.code.empty": "Enter the code from your card.",
        "error.code.characters": (
            "The code has characters that are not used on cards. Codes use only digits "
            "and capital letters."
        ),
        "error.code.length": "The code is too short or too long. Check that you typed all of it.",
        "error.code.check": (
            "The code has a typing mistake. Check each character against your card."
        ),
        "error.code.unknown": (
            "This code is not valid for this survey. Check it against your card."
        ),
        "error.code.spent": "This card has already been used. Each card can be used once.",
        "error.form_key": "This form has expired. Your answers are kept: send them again.",
        "error.answer": "Choose one of the options, or “Prefer not to answer”.",
        "error.unknown_field": "This is not a question of this survey.",
        "error.too_many": (
            "Too many attempts with wrong codes were made on this survey just now. "
            "Try again in a minute; your answers are kept below."
        ),
        "thanks_title": "Thank you",
        "thanks_body": (
            "Your answers have been saved. Nothing on this page, or left in your browser, "
            "links them to you."
        ),
        "resources_title": "If you want to talk to someone",
        "resources_intro": "You can reach these at any time, whether or not you answered.",
        "crisis": (
            "If you are in danger or thinking about harming yourself, call your local "
            "emergency number now."
        ),
        "website": "Website",
        "scheduled_title": "This survey is not open yet",
        "scheduled_body": "This survey opens on {date}. Keep your card and come back then.",
        "closed_title": "This survey has closed",
        "closed_body": "This survey closed on {date}. Answers can no longer be sent.",
        "error_title.400": "The request could not be read",
        "error_body.400": "Go back to the survey page and try again.",
        "error_title.404": "Survey not found",
        "error_body.404": "Check the address or scan the QR code on your card again.",
        "error_title.405": "This page cannot be used that way",
        "error_body.405": "Go back to the survey page and use its form.",
        "error_title.413": "Too much was sent",
        "error_body.413": "Go back to the survey page and send the form again.",
        "error_title.429": "Too many attempts",
        "error_body.429": "Try again in a minute.",
        "error_title.500": "Something went wrong on our side",
        "error_body.500": "Nothing was saved. Try again in a moment.",
    },
    "fr": {
        "survey_title": "Sondage anonyme",
        "switch_label": "Langue",
        "length": (
            "{items} questions, environ {minutes} minutes. Vous pouvez passer n'importe "
            "quelle question."
        ),
        "stored_title": "Ce qui est conservé, et ce qui ne l'est pas",
        "stored_yes": (
            "Conservé : vos réponses, avec cette ronde du sondage et l'unité pour laquelle "
            "votre carte a été imprimée (par exemple votre caserne ou votre quart). Rien d'autre."
        ),
        "stored_no": (
            "Non conservé : votre nom, votre adresse ou votre appareil, ni l'heure de votre "
            "réponse. Cette page ne dépose aucun témoin (cookie). À la fermeture du sondage, "
            "les réponses sont mélangées et la trace des cartes utilisées est effacée."
        ),
        "stored_leaders": (
            "Les gestionnaires ne voient que des totaux par groupe, auxquels un peu de bruit "
            "aléatoire est ajouté : jamais les réponses d'une personne. Les petits groupes ne "
            "sont pas affichés."
        ),
        "code_label_cards": "Code inscrit sur votre carte",
        "code_label_open": "Code d'accès de votre lien",
        "code_hint_cards": (
            "Le balayage du code QR remplit ce champ. Sinon, tapez le code imprimé sur la "
            "carte ; les tirets, les espaces et les majuscules n'ont pas d'importance."
        ),
        "code_hint_open": "L'ouverture du lien remplit ce champ.",
        "prefer_not": "Je préfère ne pas répondre",
        "submit": "Envoyer mes réponses",
        "errors_title": "Veuillez vérifier ce qui suit",
        "error.code.empty": "Entrez le code inscrit sur votre carte.",
        "error.code.characters": (
            "Le code contient des caractères qui ne figurent sur aucune carte. Les codes "
            "n'utilisent que des chiffres et des lettres majuscules."
        ),
        "error.code.length": (
            "Le code est trop court ou trop long. Vérifiez que vous l'avez tapé en entier."
        ),
        "error.code.check": (
            "Le code contient une faute de frappe. Vérifiez chaque caractère sur votre carte."
        ),
        "error.code.unknown": (
            "Ce code n'est pas valide pour ce sondage. Comparez-le avec votre carte."
        ),
        "error.code.spent": (
            "Cette carte a déjà été utilisée. Chaque carte ne peut servir qu'une fois."
        ),
        "error.form_key": (
            "Ce formulaire a expiré. Vos réponses sont conservées : envoyez-les de nouveau."
        ),
        "error.answer": "Choisissez une des options, ou « Je préfère ne pas répondre ».",
        "error.unknown_field": "Cette question ne fait pas partie de ce sondage.",
        "error.too_many": (
            "Trop de tentatives avec des codes erronés viennent d'être faites sur ce sondage. "
            "Réessayez dans une minute ; vos réponses sont conservées ci-dessous."
        ),
        "thanks_title": "Merci",
        "thanks_body": (
            "Vos réponses ont été enregistrées. Rien sur cette page, ni dans votre "
            "navigateur, ne les relie à vous."
        ),
        "resources_title": "Si vous voulez parler à quelqu'un",
        "resources_intro": ("Vous pouvez les joindre en tout temps, que vous ayez répondu ou non."),
        "crisis": (
            "Si vous êtes en danger ou pensez à vous faire du mal, appelez dès maintenant "
            "le numéro d'urgence de votre région."
        ),
        "website": "Site web",
        "scheduled_title": "Ce sondage n'est pas encore ouvert",
        "scheduled_body": (
            "Ce sondage ouvrira le {date}. Gardez votre carte et revenez à ce moment-là."
        ),
        "closed_title": "Ce sondage est fermé",
        "closed_body": (
            "Ce sondage a pris fin le {date}. Il n'est plus possible d'envoyer des réponses."
        ),
        "error_title.400": "La demande n'a pas pu être lue",
        "error_body.400": "Retournez à la page du sondage et réessayez.",
        "error_title.404": "Sondage introuvable",
        "error_body.404": ("Vérifiez l'adresse ou balayez de nouveau le code QR de votre carte."),
        "error_title.405": "Cette page ne s'utilise pas ainsi",
        "error_body.405": "Retournez à la page du sondage et utilisez son formulaire.",
        "error_title.413": "Trop de données ont été envoyées",
        "error_body.413": "Retournez à la page du sondage et envoyez de nouveau le formulaire.",
        "error_title.429": "Trop de tentatives",
        "error_body.429": "Réessayez dans une minute.",
        "error_title.500": "Un problème est survenu de notre côté",
        "error_body.500": "Rien n'a été enregistré. Réessayez dans un moment.",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    """A page string in `lang`; `{name}` placeholders are filled from `values`."""
    table = STRINGS.get(lang, STRINGS[DEFAULT])
    template = table.get(key, STRINGS[DEFAULT][key])
    return template.format(**values) if values else template


def error_status(status: int) -> int:
    """The status whose words describe an error page (others fall back to 400 or 500)."""
    if f"error_title.{status}" in STRINGS[DEFAULT]:
        return status
    return 500 if status >= 500 else 400


def pick(value: str | None) -> str | None:
    """`value` when it names a language we have, else None."""
    return value if value in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an Accept-Language header (RFC 9110 §12.5.4)."""
    best, best_q = DEFAULT, 0.0
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().split("-", 1)[0].lower()
        q = 1.0
        for param in params.split(";"):
            name, _, raw = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(raw)
                except ValueError:
                    q = 0.0
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def choose(explicit: str | None, accept_language: str | None) -> str:
    return pick(explicit) or negotiate(accept_language)


def localized(values: Mapping[str, str] | None, lang: str, fallbacks: Sequence[str] = ()) -> str:
    """The text in `lang`, else in the first fallback (or any language) that has one."""
    if not values:
        return ""
    if values.get(lang):
        return values[lang]
    for other in (*fallbacks, *LANGUAGES, *values):
        if values.get(other):
            return values[other]
    return ""


def long_date(moment: datetime, lang: str) -> str:
    """A date people read without effort: '6 January 2031', '1er janvier 2031' (UTC)."""
    day = moment.day
    month = _MONTHS.get(lang, _MONTHS[DEFAULT])[moment.month - 1]
    if lang == "fr" and day == 1:
        return f"1er {month} {moment.year}"
    return f"{day} {month} {moment.year}"


def minutes_for(items: int) -> int:
    return max(1, math.ceil(items * SECONDS_PER_ITEM / 60))
