"""French for the words every staff page shares: the header, sign-in, the start page, the
error page and its problem titles, and the API tokens' table."""

FR: dict[str, str] = {
    # base.html: the header of every staff page
    "Skip to content": "Aller au contenu",
    "Main": "Principal",
    "Dashboard": "Tableau de bord",
    "Console": "Console",
    "Tokens and exports": "Jetons et exports",
    "admin": "administrateur",
    "leader": "responsable",
    "researcher": "chercheur",
    "Language": "Langue",
    "Sign out": "Se déconnecter",
    # login.html and the sign-in errors (service/web/pages.py, service/auth)
    "Sign in": "Se connecter",
    "For coordinators, leaders and researchers. Survey answers never need an account.": (
        "Pour les coordonnateurs, les responsables et les chercheurs. Répondre à un "
        "questionnaire ne demande jamais de compte."
    ),
    "Email": "Adresse e-mail",
    "Password": "Mot de passe",
    "Enter the email address of your account.": "Saisissez l'adresse e-mail de votre compte.",
    "Enter your password.": "Saisissez votre mot de passe.",
    "Check the email and password and try again.": (
        "Vérifiez l'adresse e-mail et le mot de passe, puis réessayez."
    ),
    "Many sign-ins are being checked right now. Try again in a few seconds.": (
        "De nombreuses connexions sont en cours de vérification. Réessayez dans quelques secondes."
    ),
    "Sign in from this site's own sign-in page.": (
        "Connectez-vous depuis la page de connexion de ce site."
    ),
    "Too many failed sign-ins for this account. Try again in %(num)s second; if you forgot "
    "the password, ask an administrator to set a new one (muster staff password EMAIL).": (
        "Trop de connexions échouées pour ce compte. Réessayez dans %(num)s seconde ; si vous "
        "avez oublié le mot de passe, demandez à un administrateur d'en définir un nouveau "
        "(muster staff password EMAIL)."
    ),
    "Too many failed sign-ins for this account. Try again in %(num)s seconds; if you forgot "
    "the password, ask an administrator to set a new one (muster staff password EMAIL).": (
        "Trop de connexions échouées pour ce compte. Réessayez dans %(num)s secondes ; si vous "
        "avez oublié le mot de passe, demandez à un administrateur d'en définir un nouveau "
        "(muster staff password EMAIL)."
    ),
    # home.html: the start page
    "Programs": "Programmes",
    "scheduled": "programmée",
    "open": "ouverte",
    "closed": "fermée",
    "released": "publiée",
    "cards": "cartes",
    "links": "liens",
    "open link": "lien ouvert",
    "Programs and waves": "Programmes et vagues",
    "You see the programs that cover <strong>%(unit)s</strong> and the units below it.": (
        "Vous voyez les programmes qui couvrent <strong>%(unit)s</strong> et les unités en dessous."
    ),
    "Units": "Unités",
    "%(unit)s and below": "%(unit)s et en dessous",
    "Every": "Fréquence",
    "%(cadence)s, open for %(window)s": "%(cadence)s, ouverte pendant %(window)s",
    "Distribution": "Diffusion",
    "Instruments": "Questionnaires",
    "Waves of %(program)s": "Vagues de %(program)s",
    "Wave": "Vague",
    "Status": "État",
    "Opens": "Ouverture",
    "Closes": "Fermeture",
    "No waves scheduled yet.": "Aucune vague prévue pour l'instant.",
    "No program covers your units yet. Create one with <code>muster programs create</code> "
    "or the API.": (
        "Aucun programme ne couvre encore vos unités. Créez-en un avec "
        "<code>muster programs create</code> ou l'API."
    ),
    "No program covers your units yet.": "Aucun programme ne couvre encore vos unités.",
    # _tokens.html: API tokens (console and research)
    "Table of your API tokens": "Tableau de vos jetons d'API",
    "Your API tokens, newest first": "Vos jetons d'API, du plus récent au plus ancien",
    "Name": "Nom",
    "Scopes": "Portées",
    "Created": "Créé",
    "Expires": "Expire",
    "Last used": "Dernière utilisation",
    "State": "État",
    "Action": "Action",
    "revoked": "révoqué",
    "expired": "expiré",
    "active": "actif",
    "Revoke": "Révoquer",
    "You have no tokens.": "Vous n'avez aucun jeton.",
    "“%(name)s”, shown this once": "« %(name)s », affiché cette seule fois",
    "Scopes %(scopes)s; expires %(date)s. Copy it into your script's secret store now: only a "
    "keyed hash is kept, so nobody can show it again. Send it as <code>Authorization: Bearer "
    "&lt;token&gt;</code>.": (
        "Portées %(scopes)s ; expire le %(date)s. Copiez-le maintenant dans le coffre à secrets "
        "de votre script : seule une empreinte à clé est conservée, personne ne pourra donc "
        "l'afficher à nouveau. Envoyez-le sous la forme <code>Authorization: Bearer "
        "&lt;jeton&gt;</code>."
    ),
    # error.html and the problem titles (service/errors.py)
    "Back to the start page": "Retour à la page d'accueil",
    "The request cannot be carried out": "La demande ne peut pas être traitée",
    "Some fields are not valid": "Certains champs ne sont pas valides",
    "The request body could not be read": "Le corps de la demande est illisible",
    "The request body is too large": "Le corps de la demande est trop volumineux",
    "The instrument file is not valid": "Le fichier du questionnaire n'est pas valide",
    "The CSV file is not valid": "Le fichier CSV n'est pas valide",
    "Sign in first": "Connectez-vous d'abord",
    "Email or password is wrong": "L'adresse e-mail ou le mot de passe est incorrect",
    "The API token is unknown, revoked or expired": "Le jeton d'API est inconnu, révoqué ou expiré",
    "The form has expired": "Le formulaire a expiré",
    "Your role does not allow this": "Votre rôle ne le permet pas",
    "Too many attempts": "Trop de tentatives",
    "Not found": "Introuvable",
    "No such unit": "Cette unité n'existe pas",
    "No such program": "Ce programme n'existe pas",
    "No such wave": "Cette vague n'existe pas",
    "No such instrument": "Ce questionnaire n'existe pas",
    "No such staff account": "Ce compte n'existe pas",
    "No such action": "Cette action n'existe pas",
    "No such crews' page link": "Ce lien vers la page des équipes n'existe pas",
    "This conflicts with the current state": "Cela contredit l'état actuel",
    "A unit with this slug already exists here": "Une unité avec cet identifiant existe déjà ici",
    "A unit cannot be moved below itself": "Une unité ne peut pas être déplacée sous elle-même",
    "This unit is still in use": "Cette unité est encore utilisée",
    "A staff account with this email already exists": (
        "Un compte avec cette adresse e-mail existe déjà"
    ),
    "Privacy and anonymity settings are fixed once a wave has opened": (
        "Les réglages de confidentialité et d'anonymat sont figés dès qu'une vague a ouvert"
    ),
    "The wave cannot move to that state": "La vague ne peut pas passer à cet état",
    "The close is waiting for another transaction": (
        "La fermeture attend la fin d'une autre transaction"
    ),
    "The service is not ready": "Le service n'est pas prêt",
    "No such API token": "Ce jeton d'API n'existe pas",
    "This would leave no administrator": "Il ne resterait aucun administrateur",
    "A program with this name already exists": "Un programme portant ce nom existe déjà",
    "No such survey": "Cette enquête n'existe pas",
    "This code is not valid for this survey": "Ce code n'est pas valide pour cette enquête",
    "This card has already been used": "Cette carte a déjà été utilisée",
    "This invitation link is not valid for this survey": (
        "Ce lien d'invitation n'est pas valide pour cette enquête"
    ),
    "This invitation has already been used to get a token": (
        "Cette invitation a déjà servi à obtenir un jeton"
    ),
    "This survey is not open": "Cette enquête n'est pas ouverte",
    "This wave has closed": "Cette vague est fermée",
    "The wave uses another distribution mode": "La vague utilise un autre mode de distribution",
    "This wave has been released already": "Cette vague a déjà été publiée",
    "The privacy budget for this year is spent": (
        "Le budget de confidentialité de cette année est épuisé"
    ),
    "This API token has sent too many requests": "Ce jeton d'API a envoyé trop de demandes",
    "Method not allowed": "Méthode non autorisée",
    "Unsupported media type": "Type de média non pris en charge",
    "Too many requests": "Trop de demandes",
    "Bad request": "Demande incorrecte",
    "Something went wrong on our side": "Un problème est survenu de notre côté",
    # Refusals and not-found answers shown on any staff page (the API's stay English).
    "This needs the role %(roles)s.": "Il faut le rôle %(roles)s.",
    "Your pages start at /console.": "Vos pages commencent à /console.",
    "Your results are at /dashboard.": "Vos résultats sont à /dashboard.",
    "Your API tokens and exports are at /research; results are at /dashboard.": (
        "Vos jetons d'API et vos exports sont à /research ; les résultats sont à /dashboard."
    ),
    "There is no program %(id)s. List programs to find its id.": (
        "Il n'y a pas de programme %(id)s. Consultez la liste des programmes pour trouver son "
        "numéro."
    ),
    "No unit has the id %(id)s.": "Aucune unité n'a le numéro %(id)s.",
    "Run `muster units list` or GET /api/v1/units to see the paths.": (
        "Lancez `muster units list` ou GET /api/v1/units pour voir les chemins."
    ),
    "No action has the id %(id)s.": "Aucune action n'a le numéro %(id)s.",
    "No action has the id %(id)s. List a unit's actions to find its id.": (
        "Aucune action n'a le numéro %(id)s. Consultez la liste des actions de l'unité pour "
        "trouver son numéro."
    ),
}
