"""French for the researcher's page (/research): exports and API tokens."""

FR: dict[str, str] = {
    # research/base.html
    "Research": "Recherche",
    # research/index.html and service/research/controller.py
    "You see released results for <strong>%(unit)s and the units below it</strong>. Exports "
    "hold only released, differentially private values, each with its interval; no raw "
    "response can be exported.": (
        "Vous voyez les résultats publiés pour <strong>%(unit)s et les unités en "
        "dessous</strong>. Les exports ne contiennent que des valeurs publiées, protégées par "
        "la confidentialité différentielle, chacune avec son intervalle ; aucune réponse brute "
        "ne peut être exportée."
    ),
    "You see released results for <strong>the whole organisation</strong>. Exports hold only "
    "released, differentially private values, each with its interval; no raw response can be "
    "exported.": (
        "Vous voyez les résultats publiés pour <strong>toute l'organisation</strong>. Les "
        "exports ne contiennent que des valeurs publiées, protégées par la confidentialité "
        "différentielle, chacune avec son intervalle ; aucune réponse brute ne peut être "
        "exportée."
    ),
    "Download an export": "Télécharger un export",
    "Every released wave:": "Toutes les vagues publiées :",
    "of %(program)s, every wave": "de %(program)s, toutes les vagues",
    "privacy metadata (JSON)": "métadonnées de confidentialité (JSON)",
    "of %(program)s": "de %(program)s",
    "Table of the released waves of %(program)s": "Tableau des vagues publiées de %(program)s",
    "Released waves of %(program)s, newest first": (
        "Vagues publiées de %(program)s, de la plus récente à la plus ancienne"
    ),
    "Released": "Publiée",
    "Download": "Télécharger",
    "of wave %(seq)s": "de la vague %(seq)s",
    "No wave of this program has been released yet.": (
        "Aucune vague de ce programme n'a encore été publiée."
    ),
    'From a script, send a token below: <code class="wrap">%(command)s</code>. The columns '
    "and the privacy metadata are described in the export guide (docs/export.md).": (
        'Depuis un script, envoyez un jeton ci-dessous : <code class="wrap">%(command)s'
        "</code>. Les colonnes et les métadonnées de confidentialité sont décrites dans le "
        "guide des exports (docs/export.md)."
    ),
    "Your API tokens": "Vos jetons d'API",
    "A token lets your scripts read the API as you: the same units as you, and only reading. "
    "Each token is shown once, when it is created, and stored only as a keyed hash.": (
        "Un jeton permet à vos scripts de lire l'API en votre nom : les mêmes unités que vous, "
        "en lecture seulement. Chaque jeton est affiché une seule fois, à sa création, et "
        "n'est conservé que sous forme d'empreinte à clé."
    ),
    "Create a token": "Créer un jeton",
    "What it is for, e.g. nightly export.": "À quoi il sert, p. ex. export de nuit.",
    "<strong>Scope:</strong> read. It sees what you see and changes nothing.": (
        "<strong>Portée :</strong> lecture. Il voit ce que vous voyez et ne change rien."
    ),
    "Expires after (days)": "Expire après (jours)",
    "From 1 to 365.": "De 1 à 365.",
    "Create the token": "Créer le jeton",
    "Give the token a name of 1 to 100 characters, e.g. nightly export.": (
        "Donnez au jeton un nom de 1 à 100 caractères, par exemple export de nuit."
    ),
    "Enter a whole number of days from 1 to 365, e.g. 90.": (
        "Saisissez un nombre entier de jours de 1 à 365, par exemple 90."
    ),
    "The token was revoked: scripts that use it stop working now.": (
        "Le jeton a été révoqué : les scripts qui l'utilisent cessent de fonctionner dès "
        "maintenant."
    ),
    # research/token_created.html
    "Token created": "Jeton créé",
    "Back to your tokens and exports": "Retour à vos jetons et exports",
    # research/token_revoke.html
    "Revoke %(name)s": "Révoquer %(name)s",
    "Revoke “%(name)s”?": "Révoquer « %(name)s » ?",
    "Scripts that use this token stop working at once. A revoked token cannot be restored; "
    "create a new one instead.": (
        "Les scripts qui utilisent ce jeton cessent aussitôt de fonctionner. Un jeton révoqué "
        "ne peut pas être rétabli ; créez-en un nouveau."
    ),
    "I understand that the token stops working now": (
        "Je comprends que le jeton cesse de fonctionner dès maintenant"
    ),
    "Tick the box to confirm that the token stops working, then try again.": (
        "Cochez la case pour confirmer que le jeton cesse de fonctionner, puis réessayez."
    ),
    "Revoke the token": "Révoquer le jeton",
    "Cancel": "Annuler",
}
