"""French for the coordinator console (issue 15), part 2: staff accounts, API tokens, the audit
log and the privacy ledger."""

FR: dict[str, str] = {
    # console/staff.html
    "Accounts": "Comptes",
    "Every staff account": "Tous les comptes du personnel",
    "Email": "Adresse e-mail",
    "Role": "Rôle",
    "Unit": "Unité",
    "State": "État",
    "Since": "Depuis",
    "(you)": "(vous)",
    "whole organisation": "toute l'organisation",
    "disabled": "désactivé",
    "active": "actif",
    "Invite someone": "Inviter quelqu'un",
    (
        "A password is generated and shown once, on the next page. Give it to the person "
        "through a safe channel; they can change it after signing in."
    ): (
        "Un mot de passe est généré et montré une seule fois, à la page suivante. "
        "Transmettez-le à la personne par un canal sûr ; elle pourra le changer après s'être "
        "connectée."
    ),
    "Create the account": "Créer le compte",
    # console/_staff_fields.html
    "Administrator": "Administrateur",
    "Everything in this console; sees the whole organisation. No unit.": (
        "Tout dans cette console ; voit toute l'organisation. Pas d'unité."
    ),
    "Leader": "Responsable",
    "Dashboards of one unit and everything below it. Needs a unit.": (
        "Tableaux de bord d'une unité et de tout ce qui est en dessous. Une unité est requise."
    ),
    "Researcher": "Chercheur",
    "Exports released results. A unit is optional.": (
        "Exporte les résultats publiés. Une unité est facultative."
    ),
    "What a leader or researcher may see: this unit and everything below it.": (
        "Ce qu'un responsable ou un chercheur peut voir : cette unité et tout ce qui est en "
        "dessous."
    ),
    "None (the whole organisation)": "Aucune (toute l'organisation)",
    # console/staff_created.html
    "Account created": "Compte créé",
    "%(email)s is now a staff member (%(role)s) for <code>%(unit)s</code>.": (
        "%(email)s fait maintenant partie du personnel (%(role)s) pour <code>%(unit)s</code>."
    ),
    "%(email)s is now a staff member (%(role)s).": (
        "%(email)s fait maintenant partie du personnel (%(role)s)."
    ),
    "Their password, shown this once": "Son mot de passe, montré cette seule fois",
    (
        "Copy it now and hand it over through a safe channel. It is stored only as a hash: "
        "nobody can show it again. If it is lost, set a new one from the account’s page."
    ): (
        "Copiez-le maintenant et transmettez-le par un canal sûr. Il n'est conservé que sous "
        "forme de hachage : personne ne peut le montrer à nouveau. S'il est perdu, "
        "définissez-en un nouveau depuis la page du compte."
    ),
    "Back to staff accounts": "Retour aux comptes du personnel",
    # console/staff_member.html
    "Role and scope": "Rôle et périmètre",
    "New password": "Nouveau mot de passe",
    (
        "Generates a new password, shown once on the next page, and signs %(email)s out "
        "everywhere. Use it when a password is lost."
    ): (
        "Génère un nouveau mot de passe, montré une seule fois à la page suivante, et "
        "déconnecte %(email)s partout. À utiliser quand un mot de passe est perdu."
    ),
    "I understand that the old password stops working now": (
        "Je comprends que l'ancien mot de passe cesse de fonctionner dès maintenant"
    ),
    "Set a new password": "Définir un nouveau mot de passe",
    "Enable": "Réactiver",
    "Disable": "Désactiver",
    "Enabling lets this person sign in again. Their old sessions and tokens stay revoked.": (
        "La réactivation permet à cette personne de se connecter à nouveau. Ses anciennes "
        "sessions et ses anciens jetons restent révoqués."
    ),
    "Enable the account": "Réactiver le compte",
    "Disabling signs this person out everywhere and revokes their API tokens.": (
        "La désactivation déconnecte cette personne partout et révoque ses jetons d'API."
    ),
    "Disable %(email)s…": "Désactiver %(email)s…",
    # console/staff_disable.html
    "Disable %(email)s": "Désactiver %(email)s",
    "Disable %(email)s?": "Désactiver %(email)s ?",
    (
        "%(email)s will be signed out everywhere and every API token of theirs revoked. You "
        "can enable the account later, but old sessions and tokens stay revoked."
    ): (
        "%(email)s sera déconnecté partout et tous ses jetons d'API seront révoqués. Vous "
        "pourrez réactiver le compte plus tard, mais les anciennes sessions et les anciens "
        "jetons resteront révoqués."
    ),
    "I understand that this person loses access now": (
        "Je comprends que cette personne perd l'accès dès maintenant"
    ),
    "Disable the account": "Désactiver le compte",
    # console/staff_password.html
    "New password for %(email)s": "Nouveau mot de passe pour %(email)s",
    (
        "Hand it over through a safe channel. Their sessions have ended; it is stored only as"
        " a hash, so nobody can show it again."
    ): (
        "Transmettez-le par un canal sûr. Ses sessions ont pris fin ; il n'est conservé que "
        "sous forme de hachage, personne ne peut donc le montrer à nouveau."
    ),
    # console/tokens.html
    (
        "Tokens let your own scripts use the API as you: send one as <code>Authorization: "
        "Bearer &lt;token&gt;</code>. Each token is shown once, when it is created, and "
        "stored only as a keyed hash."
    ): (
        "Les jetons permettent à vos propres scripts d'utiliser l'API en votre nom : "
        "envoyez-en un sous la forme <code>Authorization: Bearer &lt;token&gt;</code>. Chaque"
        " jeton n'est montré qu'une fois, à sa création, et n'est conservé que sous forme de "
        "hachage à clé."
    ),
    "Your tokens": "Vos jetons",
    "Create a token": "Créer un jeton",
    "What it is for, e.g. nightly export.": "À quoi il sert, p. ex. export de nuit.",
    "Scopes": "Portées",
    "See programs, waves and released results.": (
        "Voir les programmes, les vagues et les résultats publiés."
    ),
    "Change things, as in this console.": "Modifier, comme dans cette console.",
    "Expires after (days)": "Expire après (jours)",
    "From 1 to 365.": "De 1 à 365.",
    "Create the token": "Créer le jeton",
    # console/token_created.html
    "Token created": "Jeton créé",
    "Back to your tokens": "Retour à vos jetons",
    # console/token_revoke.html
    "Revoke %(name)s": "Révoquer %(name)s",
    "Revoke “%(name)s”?": "Révoquer « %(name)s » ?",
    (
        "Scripts that use this token (%(scopes)s) stop working at once. A revoked token "
        "cannot be restored; create a new one instead."
    ): (
        "Les scripts qui utilisent ce jeton (%(scopes)s) cessent aussitôt de fonctionner. Un "
        "jeton révoqué ne peut pas être rétabli ; créez-en plutôt un nouveau."
    ),
    "I understand that the token stops working now": (
        "Je comprends que le jeton cesse de fonctionner dès maintenant"
    ),
    "Revoke the token": "Révoquer le jeton",
    # service/console/accounts.py
    "Choose read, write or both.": "Choisissez read, write ou les deux.",
    # console/audit.html
    (
        "Every change staff make, the schedule's transitions and command-line actions. "
        "Responders never appear here."
    ): (
        "Chaque changement fait par le personnel, les transitions du calendrier et les "
        "actions en ligne de commande. Les répondants n'apparaissent jamais ici."
    ),
    "Audit log entries": "Entrées du journal d'audit",
    "Entries %(first)s–%(last)s of %(total)s, newest first": (
        "Entrées %(first)s à %(last)s sur %(total)s, les plus récentes d'abord"
    ),
    "When": "Quand",
    "Action": "Action",
    "Who": "Qui",
    "Subject": "Objet",
    "Nothing recorded yet.": "Rien n'a encore été enregistré.",
    "Audit log pages": "Pages du journal d'audit",
    "Newer entries": "Entrées plus récentes",
    "Page %(page)s of %(pages)s": "Page %(page)s sur %(pages)s",
    "Older entries": "Entrées plus anciennes",
    # console/ledger.html
    (
        "Every release spends part of a program's privacy budget, and so does each daily "
        "refresh of an open wave's participation estimate. The refreshes come out of the "
        "wave's own share: its release spends that much less, so the guarantee per person "
        "does not change. Over any 365 days, a program may spend at most its annual cap; a "
        "charge that would go over it is refused."
    ): (
        "Chaque publication dépense une part du budget de confidentialité d'un programme, "
        "tout comme chaque mise à jour quotidienne de l'estimation de participation d'une "
        "vague ouverte. Les mises à jour sont prises sur la part de la vague elle-même : sa "
        "publication dépense d'autant moins, et la garantie par personne ne change pas. Sur "
        "toute période de 365 jours, un programme peut dépenser au plus son plafond annuel ; "
        "une dépense qui le dépasserait est refusée."
    ),
    "The last 365 days, per program": "Les 365 derniers jours, par programme",
    "Budget per program": "Budget par programme",
    "Privacy budget spent and left per program": (
        "Budget de confidentialité dépensé et restant par programme"
    ),
    "Program": "Programme",
    "Charges": "Dépenses",
    "Spent (ε)": "Dépensé (ε)",
    "Cap (ε)": "Plafond (ε)",
    "Left (ε)": "Restant (ε)",
    "No programs yet.": "Aucun programme pour l'instant.",
    "%(program)s: the rolling year": "%(program)s : l'année glissante",
    "Privacy spending of %(program)s over the last 365 days": (
        "Dépenses de confidentialité de %(program)s sur les 365 derniers jours"
    ),
    (
        "One bar per release: the year's total right after it, with the part the release "
        "added on top. The dashed line is the annual cap. The table below has the same "
        "numbers."
    ): (
        "Une barre par publication : le total de l'année juste après elle, avec en haut la "
        "part ajoutée par la publication. La ligne pointillée est le plafond annuel. Le "
        "tableau ci-dessous donne les mêmes chiffres."
    ),
    "ε over the year": "ε sur l'année",
    "wave %(seq)s": "vague %(seq)s",
    "annual cap ε = %(cap)s": "plafond annuel ε = %(cap)s",
    "No release in the last 365 days": "Aucune publication dans les 365 derniers jours",
    "spent before the release": "dépensé avant la publication",
    "added by the release": "ajouté par la publication",
    "annual cap": "plafond annuel",
    "Releases of %(program)s": "Publications de %(program)s",
    (
        "Every charge of %(program)s: its releases and participation refreshes "
        "(%(mechanism)s; ρ over the year = %(rho)s)"
    ): (
        "Chaque dépense de %(program)s : ses publications et ses mises à jour de la "
        "participation (%(mechanism)s ; ρ sur l'année = %(rho)s)"
    ),
    "Every charge of %(program)s: its releases and participation refreshes (%(mechanism)s)": (
        "Chaque dépense de %(program)s : ses publications et ses mises à jour de la "
        "participation (%(mechanism)s)"
    ),
    "Wave": "Vague",
    "Charged": "Débitée le",
    "ε of the charge": "ε de la dépense",
    "In the last 365 days": "Dans les 365 derniers jours",
    "wave %(seq)s, participation estimate": "vague %(seq)s, estimation de la participation",
    "wave %(seq)s, release": "vague %(seq)s, publication",
    "yes": "oui",
    "no": "non",
    "No charge yet.": "Aucune dépense pour l'instant.",
    "The chart's numbers": "Les chiffres du graphique",
    "The chart's numbers: the year's total after each release": (
        "Les chiffres du graphique : le total de l'année après chaque publication"
    ),
    "Release": "Publication",
    "Spent before (ε)": "Dépensé avant (ε)",
    "Added (ε)": "Ajouté (ε)",
    "Total (ε)": "Total (ε)",
    "wave %(seq)s, %(date)s": "vague %(seq)s, %(date)s",
    # service/console/service.py
    "The console is for administrators.": "La console est réservée aux administrateurs.",
    "There is no program %(id)s. Choose one from the list.": (
        "Il n'y a pas de programme %(id)s. Choisissez-en un dans la liste."
    ),
    "There is no staff account %(id)s.": "Il n'y a pas de compte du personnel %(id)s.",
    "You have no API token %(id)s.": "Vous n'avez pas de jeton d'API %(id)s.",
    "%(program)s: wave %(seq)s (open)": "%(program)s : vague %(seq)s (ouverte)",
    "%(program)s: wave %(seq)s (scheduled)": "%(program)s : vague %(seq)s (programmée)",
    "schedule": "calendrier",
    "command line": "ligne de commande",
    "account %(id)s": "compte %(id)s",
    "%(first)s and %(more)s more": "%(first)s et %(more)s de plus",
    # service/console/charts.py
    "%(num)s release": "%(num)s publication",
    "%(num)s releases": "%(num)s publications",
    "%(num)s participation refresh": "%(num)s mise à jour de la participation",
    "%(num)s participation refreshes": "%(num)s mises à jour de la participation",
    (
        "%(name)s: nothing released in the last 365 days; the whole annual cap ε = %(cap)s is"
        " available."
    ): (
        "%(name)s : aucune publication dans les 365 derniers jours ; tout le plafond annuel ε"
        " = %(cap)s est disponible."
    ),
    (
        "%(name)s: %(releases)s and %(refreshes)s in the last 365 days spent ε = %(spent)s of"
        " the annual cap ε = %(cap)s; ε = %(left)s is left."
    ): (
        "%(name)s : %(releases)s et %(refreshes)s dans les 365 derniers jours ont dépensé ε ="
        " %(spent)s sur le plafond annuel ε = %(cap)s ; il reste ε = %(left)s."
    ),
    (
        "%(name)s: %(releases)s in the last 365 days spent ε = %(spent)s of the annual cap ε "
        "= %(cap)s; ε = %(left)s is left."
    ): (
        "%(name)s : %(releases)s dans les 365 derniers jours ont dépensé ε = %(spent)s sur le"
        " plafond annuel ε = %(cap)s ; il reste ε = %(left)s."
    ),
}
