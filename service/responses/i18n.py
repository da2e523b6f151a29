"""The words of the responder's pages, in English and French, and the choice between them.

The language comes from `?lang=` when the person picked one, otherwise from
Accept-Language; English when neither names a language we have. Instrument texts come
from the instrument file itself (`{en, fr}`), falling back to its first language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

# One list of languages and one Accept-Language rule for staff and responder pages.
from service.i18n import DEFAULT as DEFAULT
from service.i18n import LANGUAGES as LANGUAGES
from service.i18n import NATIVE as NATIVE
from service.i18n import long_date as long_date
from service.i18n import negotiate as negotiate
from service.i18n import pick as pick

# About how long one item takes on a phone, to tell people what to expect.
SECONDS_PER_ITEM = 7

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
            "person's answers. A group's results are shown only when its number of answers, "
            "with noise added, reaches {min_group}; a smaller group counts only in the totals "
            "of the larger group it belongs to."
        ),
        "stored_device": (
            "Until you send them, your answers stay in this browser tab only, so a reload "
            "or a call-out that leaves the tab open loses nothing. Sending them, or closing "
            "the tab, clears them."
        ),
        "run_by": "Run by {who}.",
        "shared_on_close": "Results are shared when the survey closes on {date}.",
        "shared_after_close": (
            "Results are shared after the survey closes on {date}, once the coordinator "
            "releases them."
        ),
        "section_of": "Section {number} of {total}",
        "help_link": "Help and support",
        "call": "Call {number}",
        "help_coordinator": "Your coordinator can tell you who to contact for peer support.",
        "error.answers.none": "You have not answered any question: submit anyway?",
        "send_empty": "Send without answering",
        "start_title": "Answer the survey",
        "start_body": "Type the code printed on your survey card to open its questions.",
        "start_hint": "Dashes, spaces and capitals do not matter.",
        "start_button": "Open the survey",
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
        "error.code.spent": (
            "This card has already been used. Each card can be used once: if you have not "
            "answered yet, ask the coordinator for a new card."
        ),
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
        # --- emailed links with blind-signed tokens (service/tokens) ---
        "token_title": "Get your survey token",
        "token_intro": (
            "This link lets you answer the survey once, without anyone being able to tell "
            "which answers are yours. When you press the button:"
        ),
        "token_step_make": (
            "Your browser makes a random token and blinds it (scrambles it with a secret "
            "that never leaves this device)."
        ),
        "token_step_sign": (
            "The survey service checks your invitation, signs the blinded token without "
            "being able to see it, and marks your invitation as used. It records nothing else."
        ),
        "token_step_check": (
            "Your browser unblinds the signature and checks it. The token is now yours: the "
            "service cannot tell which invitation it came from."
        ),
        "token_step_answer": (
            "You answer with the token, now or later. Your answers are kept with your unit "
            "and this survey round, never with your invitation or your name."
        ),
        "token_button": "Get my token",
        "token_working": "Getting your token…",
        "token_ready": "Your token is ready, and its signature checks out.",
        "token_kept": (
            "It is kept in this browser's own storage, on this device only, and is sent "
            "nowhere until you send your answers. To answer later, open the link from your "
            "invitation again on this device."
        ),
        "token_answer_now": "Answer now",
        "token_keep": "Keep it for later",
        "token_later": (
            "Your token is kept on this device. Come back through the same link whenever you "
            "like before the survey closes."
        ),
        "token_fingerprint": "Survey key fingerprint",
        "token_fingerprint_hint": (
            "Compare it with the fingerprint on the notice board. Everyone must see the same "
            "one; if yours differs, do not answer, and tell your union representative or "
            "coordinator."
        ),
        "token_no_ticket": (
            "This page needs the link from your invitation email. Open that link again, "
            "exactly as it came."
        ),
        "token_noscript": (
            "Getting a token needs JavaScript, which is turned off in this browser. Turn it "
            "on for this page, or ask your coordinator for a paper survey card instead."
        ),
        "token_unsupported": (
            "This browser cannot make a token. Use an up-to-date browser, or ask your "
            "coordinator for a paper survey card."
        ),
        "token_error.ticket-spent": (
            "This invitation has already been used to get a token. If you kept the token on "
            "another device, answer from there; otherwise ask your coordinator for a new link."
        ),
        "token_error.ticket-unknown": (
            "This invitation link is not valid for this survey. Open the link from your "
            "email exactly as it came."
        ),
        "token_error.wave-not-open": "This survey is not open.",
        "token_error.check": (
            "The signature did not check out, so no token was kept and your invitation may "
            "be used. Tell your coordinator."
        ),
        "token_error.network": (
            "The survey service could not be reached. Check your connection and try again."
        ),
        "token_error.storage": (
            "This browser does not let the page keep the token (private browsing may block "
            "it). Answer now without leaving the page."
        ),
        "token_field_present": "The token kept on this device will be sent with your answers.",
        "token_field_missing": (
            "No token is kept on this device for this survey. Open the link from your "
            "invitation email on this device first."
        ),
        "stored_yes_links": (
            "Kept: your answers, with this survey round and the unit your invitation was "
            "made for (for example your station or shift). Nothing else."
        ),
        "error.token.empty": (
            "No token came with your answers. Open the link from your invitation email on "
            "this device first; your answers are kept below."
        ),
        "error.token.malformed": (
            "The token sent with your answers is damaged. Open the link from your invitation "
            "email again on this device."
        ),
        "error.token.other_wave": (
            "This token belongs to another survey round and cannot answer this one. Open the "
            "link from this round's invitation email."
        ),
        "error.token.forged": "This token was not signed by this survey, so it cannot be used.",
        "error.token.unknown": "This token is not valid for this survey.",
        "error.token.spent": (
            "This token has already been used to send answers. Each token answers once."
        ),
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
            "aléatoire est ajouté : jamais les réponses d'une personne. Les résultats d'un "
            "groupe ne sont affichés que si son nombre de réponses, bruit compris, atteint "
            "{min_group} ; un groupe plus petit ne compte que dans les totaux du groupe plus "
            "grand dont il fait partie."
        ),
        "stored_device": (
            "Tant que vous ne les avez pas envoyées, vos réponses restent dans cet onglet "
            "seulement : un rechargement ou un appel qui laisse l'onglet ouvert ne fait rien "
            "perdre. L'envoi, ou la fermeture de l'onglet, les efface."
        ),
        "run_by": "Mené par {who}.",
        "shared_on_close": "Les résultats seront communiqués à la fermeture du sondage, le {date}.",
        "shared_after_close": (
            "Les résultats seront communiqués après la fermeture du sondage, le {date}, une "
            "fois publiés par la coordination."
        ),
        "section_of": "Section {number} sur {total}",
        "help_link": "Aide et soutien",
        "call": "Appeler le {number}",
        "help_coordinator": (
            "La coordination peut vous dire qui joindre pour du soutien par les pairs."
        ),
        "error.answers.none": "Vous n'avez répondu à aucune question : envoyer quand même ?",
        "send_empty": "Envoyer sans répondre",
        "start_title": "Répondre au sondage",
        "start_body": (
            "Tapez le code imprimé sur votre carte de sondage pour en ouvrir les questions."
        ),
        "start_hint": "Les tirets, les espaces et les majuscules n'ont pas d'importance.",
        "start_button": "Ouvrir le sondage",
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
            "Cette carte a déjà été utilisée. Chaque carte ne peut servir qu'une fois : si "
            "vous n'avez pas encore répondu, demandez une nouvelle carte à la coordination."
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
        # --- liens par courriel avec jetons à signature aveugle (service/tokens) ---
        "token_title": "Obtenir votre jeton de sondage",
        "token_intro": (
            "Ce lien vous permet de répondre une fois au sondage, sans que personne ne "
            "puisse savoir quelles réponses sont les vôtres. Quand vous appuyez sur le bouton :"
        ),
        "token_step_make": (
            "Votre navigateur crée un jeton aléatoire et le masque (le brouille avec un secret "
            "qui ne quitte jamais cet appareil)."
        ),
        "token_step_sign": (
            "Le service de sondage vérifie votre invitation, signe le jeton masqué sans "
            "pouvoir le voir, et marque votre invitation comme utilisée. Il n'enregistre "
            "rien d'autre."
        ),
        "token_step_check": (
            "Votre navigateur démasque la signature et la vérifie. Le jeton est maintenant à "
            "vous : le service ne peut pas savoir de quelle invitation il vient."
        ),
        "token_step_answer": (
            "Vous répondez avec le jeton, maintenant ou plus tard. Vos réponses sont "
            "conservées avec votre unité et cette ronde du sondage, jamais avec votre "
            "invitation ni votre nom."
        ),
        "token_button": "Obtenir mon jeton",
        "token_working": "Obtention de votre jeton…",
        "token_ready": "Votre jeton est prêt, et sa signature est valide.",
        "token_kept": (
            "Il est conservé dans le stockage propre à ce navigateur, sur cet appareil "
            "seulement, et n'est envoyé nulle part avant l'envoi de vos réponses. Pour "
            "répondre plus tard, rouvrez le lien de votre invitation sur cet appareil."
        ),
        "token_answer_now": "Répondre maintenant",
        "token_keep": "Le garder pour plus tard",
        "token_later": (
            "Votre jeton est conservé sur cet appareil. Revenez par le même lien quand vous "
            "le voulez avant la fermeture du sondage."
        ),
        "token_fingerprint": "Empreinte de la clé du sondage",
        "token_fingerprint_hint": (
            "Comparez-la avec l'empreinte affichée au babillard. Tout le monde doit voir la "
            "même ; si la vôtre diffère, ne répondez pas, et prévenez votre représentant "
            "syndical ou la coordination."
        ),
        "token_no_ticket": (
            "Cette page a besoin du lien de votre courriel d'invitation. Rouvrez ce lien, tel quel."
        ),
        "token_noscript": (
            "L'obtention d'un jeton nécessite JavaScript, désactivé dans ce navigateur. "
            "Activez-le pour cette page, ou demandez plutôt une carte de sondage papier à la "
            "coordination."
        ),
        "token_unsupported": (
            "Ce navigateur ne peut pas créer de jeton. Utilisez un navigateur à jour, ou "
            "demandez une carte de sondage papier à la coordination."
        ),
        "token_error.ticket-spent": (
            "Cette invitation a déjà servi à obtenir un jeton. Si vous avez gardé le jeton sur "
            "un autre appareil, répondez depuis celui-ci ; sinon, demandez un nouveau lien à "
            "la coordination."
        ),
        "token_error.ticket-unknown": (
            "Ce lien d'invitation n'est pas valide pour ce sondage. Ouvrez le lien de votre "
            "courriel tel quel."
        ),
        "token_error.wave-not-open": "Ce sondage n'est pas ouvert.",
        "token_error.check": (
            "La signature n'est pas valide : aucun jeton n'a été conservé et votre invitation "
            "a peut-être été utilisée. Prévenez la coordination."
        ),
        "token_error.network": (
            "Le service de sondage est injoignable. Vérifiez votre connexion et réessayez."
        ),
        "token_error.storage": (
            "Ce navigateur ne permet pas à la page de conserver le jeton (la navigation "
            "privée peut l'en empêcher). Répondez maintenant sans quitter la page."
        ),
        "token_field_present": (
            "Le jeton conservé sur cet appareil sera envoyé avec vos réponses."
        ),
        "token_field_missing": (
            "Aucun jeton n'est conservé sur cet appareil pour ce sondage. Ouvrez d'abord le "
            "lien de votre courriel d'invitation sur cet appareil."
        ),
        "stored_yes_links": (
            "Conservé : vos réponses, avec cette ronde du sondage et l'unité pour laquelle "
            "votre invitation a été faite (par exemple votre caserne ou votre quart). Rien "
            "d'autre."
        ),
        "error.token.empty": (
            "Aucun jeton n'accompagnait vos réponses. Ouvrez d'abord le lien de votre courriel "
            "d'invitation sur cet appareil ; vos réponses sont conservées ci-dessous."
        ),
        "error.token.malformed": (
            "Le jeton envoyé avec vos réponses est endommagé. Rouvrez le lien de votre "
            "courriel d'invitation sur cet appareil."
        ),
        "error.token.other_wave": (
            "Ce jeton appartient à une autre ronde du sondage et ne peut pas servir pour "
            "celle-ci. Ouvrez le lien du courriel d'invitation de cette ronde."
        ),
        "error.token.forged": (
            "Ce jeton n'a pas été signé par ce sondage : il ne peut pas être utilisé."
        ),
        "error.token.unknown": "Ce jeton n'est pas valide pour ce sondage.",
        "error.token.spent": (
            "Ce jeton a déjà servi à envoyer des réponses. Chaque jeton ne répond qu'une fois."
        ),
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


def minutes_for(items: int) -> int:
    return max(1, math.ceil(items * SECONDS_PER_ITEM / 60))
