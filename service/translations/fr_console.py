"""French for the coordinator console (issue 15), part 1: the frame every console page shares,
the form messages beside the inputs, and the unit pages. Parts 2 and 3 are
`fr_console_accounts.py` and `fr_console_invitations.py` (a module stays under 600 lines)."""

FR: dict[str, str] = {
    # console/base.html
    "Console": "Console",
    "Console sections": "Sections de la console",
    # console/overview.html
    "Overview": "Vue d'ensemble",
    "Coordinator console": "Console du coordonnateur",
    (
        "Everything the command line can do, as pages. Nothing here ever shows an individual "
        "answer or who answered."
    ): (
        "Tout ce que fait la ligne de commande, sous forme de pages. Rien ici ne montre "
        "jamais une réponse individuelle ni qui a répondu."
    ),
    "Units": "Unités",
    "Programs": "Programmes",
    "Open waves": "Vagues ouvertes",
    "Active staff accounts": "Comptes du personnel actifs",
    "Waves that need you": "Vagues qui vous attendent",
    (
        "<strong>%(program)s, wave %(seq)s</strong> closed %(date)s and is not released yet. "
        '<a href="%(href)s">Release wave %(seq)s of %(program)s</a>'
    ): (
        "<strong>%(program)s, vague %(seq)s</strong> : fermée le %(date)s, pas encore "
        'publiée. <a href="%(href)s">Publier la vague %(seq)s de %(program)s</a>'
    ),
    (
        "<strong>%(program)s, wave %(seq)s</strong> is open until %(date)s. <a "
        'href="/console/cards">Print cards</a> or <a href="%(href)s">close wave %(seq)s of '
        "%(program)s now</a>"
    ): (
        "<strong>%(program)s, vague %(seq)s</strong> : ouverte jusqu'au %(date)s. <a "
        'href="/console/cards">Imprimer des cartes</a> ou <a href="%(href)s">fermer la vague '
        "%(seq)s de %(program)s maintenant</a>"
    ),
    (
        '<strong>%(program)s, wave %(seq)s</strong> opens %(date)s. <a href="%(href)s">Check '
        "its budget</a> before it opens."
    ): (
        "<strong>%(program)s, vague %(seq)s</strong> : ouverture le %(date)s. <a "
        'href="%(href)s">Vérifiez son budget</a> avant l\'ouverture.'
    ),
    (
        'No waves yet. <a href="/console/programs/new">Create a program</a> to schedule the '
        "first one."
    ): (
        'Aucune vague pour l\'instant. <a href="/console/programs/new">Créez un programme</a> '
        "pour planifier la première."
    ),
    "What you can do here": "Ce que vous pouvez faire ici",
    "The organisation tree: import a CSV with a preview, rename, move, set headcounts.": (
        "L'arborescence de l'organisation : importer un CSV avec un aperçu, renommer, "
        "déplacer, fixer les effectifs."
    ),
    "Recurring surveys: instruments, cadence, distribution mode and privacy policy.": (
        "Les enquêtes récurrentes : questionnaires, rythme, mode de distribution et politique"
        " de confidentialité."
    ),
    "Waves": "Vagues",
    "Each program's timeline; open, close and release waves.": (
        "Le calendrier de chaque programme ; ouvrir, fermer et publier les vagues."
    ),
    "Budget planner": "Planificateur de budget",
    "Which units a release can show with this ε, before a wave opens.": (
        "Les unités qu'une publication peut montrer avec cet ε, avant l'ouverture d'une vague."
    ),
    "Invitation cards": "Cartes d'invitation",
    "Print single-use QR cards for a unit or a whole subtree.": (
        "Imprimer des cartes QR à usage unique pour une unité ou toute une sous-arborescence."
    ),
    "Open links": "Liens ouverts",
    "One link per unit for open-mode programs.": (
        "Un lien par unité pour les programmes en mode ouvert."
    ),
    "Staff accounts": "Comptes du personnel",
    "Invite leaders and researchers, change roles, disable accounts.": (
        "Inviter des responsables et des chercheurs, changer les rôles, désactiver des comptes."
    ),
    "API tokens": "Jetons d'API",
    "Tokens for your own scripts; each is shown once.": (
        "Des jetons pour vos propres scripts ; chacun n'est montré qu'une fois."
    ),
    "Privacy ledger": "Registre de confidentialité",
    "A year's privacy spending against each program's cap.": (
        "Les dépenses de confidentialité d'une année face au plafond de chaque programme."
    ),
    "Audit log": "Journal d'audit",
    "Who changed what, and when.": "Qui a changé quoi, et quand.",
    # console/_forms.html
    "Please correct this problem": "Veuillez corriger ce problème",
    "Please correct these %(num)s problems": "Veuillez corriger ces %(num)s problèmes",
    "Choose a wave": "Choisissez une vague",
    "A unit inside the wave’s program; the headcount is in brackets.": (
        "Une unité du programme de la vague ; l'effectif est entre parenthèses."
    ),
    "Choose a unit": "Choisissez une unité",
    "I understand": "Je comprends",
    "%(time)s UTC": "%(time)s UTC",
    # service/console/page.py
    "The unit was created.": "L'unité a été créée.",
    "The unit was saved.": "L'unité a été enregistrée.",
    "The unit was moved.": "L'unité a été déplacée.",
    "The unit was deleted.": "L'unité a été supprimée.",
    "The import was applied: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.": (
        "L'importation a été appliquée : %(created)s créées, %(updated)s mises à jour, "
        "%(unchanged)s sans changement."
    ),
    "The program was created and its first wave is scheduled.": (
        "Le programme a été créé et sa première vague est programmée."
    ),
    "The program was saved.": "Le programme a été enregistré.",
    "The wave is open.": "La vague est ouverte.",
    "The wave is closed: its responses were shuffled and spent codes dropped.": (
        "La vague est fermée : ses réponses ont été mélangées et les codes utilisés supprimés."
    ),
    "The wave was released: leaders and researchers can now see its results.": (
        "La vague a été publiée : les responsables et les chercheurs peuvent maintenant voir "
        "ses résultats."
    ),
    "The account was saved.": "Le compte a été enregistré.",
    "The account was disabled: its sessions and tokens no longer work.": (
        "Le compte a été désactivé : ses sessions et ses jetons ne fonctionnent plus."
    ),
    "The account was enabled again. Old sessions and tokens stay revoked.": (
        "Le compte a été réactivé. Les anciennes sessions et les anciens jetons restent révoqués."
    ),
    "The token was revoked.": "Le jeton a été révoqué.",
    "Tick the box to confirm that you understand, then try again.": (
        "Cochez la case pour confirmer que vous comprenez, puis réessayez."
    ),
    # service/console/forms.py
    "Enter a whole number at least %(limit)s.": "Saisissez un nombre entier d'au moins %(limit)s.",
    "Enter a whole number more than %(limit)s.": (
        "Saisissez un nombre entier supérieur à %(limit)s."
    ),
    "Enter a whole number at most %(limit)s.": "Saisissez un nombre entier d'au plus %(limit)s.",
    "Enter a whole number less than %(limit)s.": (
        "Saisissez un nombre entier inférieur à %(limit)s."
    ),
    "Enter a number at least %(limit)s.": "Saisissez un nombre d'au moins %(limit)s.",
    "Enter a number more than %(limit)s.": "Saisissez un nombre supérieur à %(limit)s.",
    "Enter a number at most %(limit)s.": "Saisissez un nombre d'au plus %(limit)s.",
    "Enter a number less than %(limit)s.": "Saisissez un nombre inférieur à %(limit)s.",
    "Use at least %(limit)s characters.": "Utilisez au moins %(limit)s caractères.",
    "Use at most %(limit)s characters.": "Utilisez au plus %(limit)s caractères.",
    "Use at least %(limit)s choices.": "Faites au moins %(limit)s choix.",
    "Use at most %(limit)s choices.": "Faites au plus %(limit)s choix.",
    "Enter a number.": "Saisissez un nombre.",
    "Enter a whole number, e.g. 40.": "Saisissez un nombre entier, p. ex. 40.",
    "Enter a number, e.g. 0.5.": "Saisissez un nombre, p. ex. 0.5.",
    "Enter a finite number.": "Saisissez un nombre fini.",
    "Enter a date and time, e.g. 2031-01-06 09:00 (UTC).": (
        "Saisissez une date et une heure, p. ex. 2031-01-06 09:00 (UTC)."
    ),
    "This cannot be empty.": "Ce champ ne peut pas être vide.",
    "This contains characters that are not allowed (e.g. line breaks).": (
        "Ce champ contient des caractères non autorisés (p. ex. des sauts de ligne)."
    ),
    "Choose one of the options.": "Choisissez l'une des options.",
    # console/units.html
    "Import a CSV file": "Importer un fichier CSV",
    "Add one unit": "Ajouter une unité",
    "The organisation tree": "L'arborescence de l'organisation",
    "%(num)s unit.": "%(num)s unité.",
    "%(num)s units.": "%(num)s unités.",
    (
        "A headcount is the public number of people in the whole unit; it decides how many "
        "cards to print and what the budget planner expects."
    ): (
        "L'effectif est le nombre public de personnes dans toute l'unité ; il fixe le nombre "
        "de cartes à imprimer et ce que prévoit le planificateur de budget."
    ),
    "%(num)s person": "%(num)s personne",
    "%(num)s people": "%(num)s personnes",
    (
        'No units yet. <a href="/console/units/import">Import your organisation from a CSV '
        "file</a> or add the first unit below."
    ): (
        'Aucune unité pour l\'instant. <a href="/console/units/import">Importez votre '
        "organisation depuis un fichier CSV</a> ou ajoutez la première unité ci-dessous."
    ),
    "Name": "Nom",
    "As people say it, e.g. Station 7.": "Comme on le dit, p. ex. Caserne 7.",
    "Slug": "Identifiant court",
    "Lowercase letters, digits and hyphens, e.g. station-7; unique among its siblings.": (
        "Lettres minuscules, chiffres et traits d'union, p. ex. station-7 ; unique parmi les "
        "unités de même niveau."
    ),
    "Parent unit": "Unité parente",
    "None: a new root": "Aucune : une nouvelle racine",
    "Headcount": "Effectif",
    "People in the whole unit.": "Personnes dans toute l'unité.",
    "Add the unit": "Ajouter l'unité",
    # console/unit.html
    "Path": "Chemin",
    "Id": "Identifiant",
    "Parent": "Parent",
    "None (a root)": "Aucun (une racine)",
    "Units in its subtree": "Unités de sa sous-arborescence",
    "Name, slug and headcount": "Nom, identifiant court et effectif",
    "A new slug changes the path of this unit and of every unit below it.": (
        "Un nouvel identifiant court change le chemin de cette unité et de toutes les unités "
        "en dessous."
    ),
    "People in the whole unit, public.": "Personnes dans toute l'unité, nombre public.",
    "Save": "Enregistrer",
    "Move": "Déplacer",
    "New parent": "Nouveau parent",
    (
        "Its full path (e.g. county-fire/battalion-2), its id, or a unique slug. Leave empty "
        "to make this unit a root. The whole subtree moves with it."
    ): (
        "Son chemin complet (p. ex. county-fire/battalion-2), son identifiant ou un "
        "identifiant court unique. Laissez vide pour faire de cette unité une racine. Toute "
        "la sous-arborescence est déplacée avec elle."
    ),
    "Move the unit": "Déplacer l'unité",
    "Units directly below": "Unités directement en dessous",
    "None.": "Aucune.",
    "Delete": "Supprimer",
    (
        "A unit can be deleted only while nothing depends on it: no units below it, no "
        "program, staff account, invitation or response."
    ): (
        "Une unité ne peut être supprimée que si rien n'en dépend : aucune unité en dessous, "
        "aucun programme, compte du personnel, invitation ni réponse."
    ),
    "Delete %(name)s…": "Supprimer %(name)s…",
    # console/unit_delete.html
    "Delete %(name)s": "Supprimer %(name)s",
    "Delete %(name)s?": "Supprimer %(name)s ?",
    "This unit cannot be deleted": "Cette unité ne peut pas être supprimée",
    "%(reason)s: %(count)s (for example %(examples)s)": (
        "%(reason)s : %(count)s (par exemple %(examples)s)"
    ),
    "%(reason)s: %(count)s": "%(reason)s : %(count)s",
    "Back to %(name)s": "Retour à %(name)s",
    (
        "Deleting <strong>%(path)s</strong> cannot be undone. If anything still depends on "
        "it, nothing is deleted and this page says why."
    ): (
        "La suppression de <strong>%(path)s</strong> est définitive. Si quelque chose en "
        "dépend encore, rien n'est supprimé et cette page en donne la raison."
    ),
    "I understand that the unit is deleted for good": (
        "Je comprends que l'unité est supprimée définitivement"
    ),
    "Delete the unit": "Supprimer l'unité",
    "Cancel": "Annuler",
    # console/units_import.html
    "Import units": "Importer des unités",
    "Import": "Importer",
    "Import units from a CSV file": "Importer des unités depuis un fichier CSV",
    (
        "The file has the columns <code>path,name,headcount</code>, one unit per line, e.g. "
        "<code>county-fire/battalion-1/station-7,Station 7,24</code>. Units already in the "
        "tree are matched by path and get the file's name and headcount; nothing is moved or "
        "deleted. You will see a preview of every change before anything is written."
    ): (
        "Le fichier a les colonnes <code>path,name,headcount</code>, une unité par ligne, p. "
        "ex. <code>county-fire/battalion-1/station-7,Caserne 7,24</code>. Les unités déjà "
        "présentes dans l'arborescence sont reconnues par leur chemin et prennent le nom et "
        "l'effectif du fichier ; rien n'est déplacé ni supprimé. Vous verrez un aperçu de "
        "chaque changement avant toute écriture."
    ),
    "Nothing was imported": "Rien n'a été importé",
    "CSV file": "Fichier CSV",
    "Saved as “CSV UTF-8”. Parents may come after their children.": (
        "Enregistré au format « CSV UTF-8 ». Les parents peuvent venir après leurs enfants."
    ),
    "Or paste the lines": "Ou collez les lignes",
    "See the list above.": "Voir la liste ci-dessus.",
    "Preview the changes": "Voir l'aperçu des changements",
    # console/units_preview.html
    "Import preview": "Aperçu de l'importation",
    "Preview": "Aperçu",
    "Preview of the import": "Aperçu de l'importation",
    (
        "Nothing has been written yet. The file has %(num)s unit: <strong>%(created)s to "
        "create</strong>, <strong>%(updated)s to update</strong>, %(unchanged)s unchanged."
    ): (
        "Rien n'a encore été écrit. Le fichier contient %(num)s unité : <strong>%(created)s à"
        " créer</strong>, <strong>%(updated)s à mettre à jour</strong>, %(unchanged)s sans "
        "changement."
    ),
    (
        "Nothing has been written yet. The file has %(num)s units: <strong>%(created)s to "
        "create</strong>, <strong>%(updated)s to update</strong>, %(unchanged)s unchanged."
    ): (
        "Rien n'a encore été écrit. Le fichier contient %(num)s unités : <strong>%(created)s "
        "à créer</strong>, <strong>%(updated)s à mettre à jour</strong>, %(unchanged)s sans "
        "changement."
    ),
    "New units (%(count)s)": "Nouvelles unités (%(count)s)",
    "Units the import would create": "Unités que l'importation créerait",
    "Changed units (%(count)s)": "Unités modifiées (%(count)s)",
    "Units the import would change": "Unités que l'importation modifierait",
    "Units the import would change, before and after": (
        "Unités que l'importation modifierait, avant et après"
    ),
    "Name now": "Nom actuel",
    "Name after": "Nom après",
    "Headcount now": "Effectif actuel",
    "Headcount after": "Effectif après",
    "Unchanged units (%(count)s)": "Unités sans changement (%(count)s)",
    "Apply these changes? They are written in one step: all or nothing.": (
        "Appliquer ces changements ? Ils sont écrits en une seule fois : tout ou rien."
    ),
    "Apply the import": "Appliquer l'importation",
    (
        "The tree already matches the file: there is nothing to apply. <a "
        'href="/console/units">Back to the units</a>'
    ): (
        "L'arborescence correspond déjà au fichier : il n'y a rien à appliquer. <a "
        'href="/console/units">Retour aux unités</a>'
    ),
    # console/_preview.html
    "Preview of the questionnaire": "Aperçu du questionnaire",
    (
        "What respondents will read, in every language of each instrument. Answers are "
        "anonymous; every item may be skipped."
    ): (
        "Ce que liront les répondants, dans chaque langue de chaque questionnaire. Les "
        "réponses sont anonymes ; chaque question peut être passée."
    ),
    "version %(version)s": "version %(version)s",
    "%(num)s item": "%(num)s question",
    "%(num)s items": "%(num)s questions",
    "Items of %(title)s": "Questions de %(title)s",
    "Items of %(title)s in %(languages)s": "Questions de %(title)s en %(languages)s",
    "Answers": "Réponses",
    "Intro": "Introduction",
    "reverse-scored": "cotation inversée",
    "Answer options": "Choix de réponse",
    "Answer options %(set)s": "Choix de réponse %(set)s",
    "Value": "Valeur",
    "Scales reported to leaders": "Échelles présentées aux responsables",
    "%(num)s item; bands: %(bands)s": "%(num)s question ; tranches : %(bands)s",
    "%(num)s items; bands: %(bands)s": "%(num)s questions ; tranches : %(bands)s",
    # service/console/units.py
    "The file is not UTF-8 text. Save it as CSV UTF-8 and choose it again.": (
        "Le fichier n'est pas du texte UTF-8. Enregistrez-le au format CSV UTF-8 et "
        "choisissez-le à nouveau."
    ),
    "is not UTF-8 text": "n'est pas du texte UTF-8",
    "Choose a CSV file or paste its lines here.": (
        "Choisissez un fichier CSV ou collez ses lignes ici."
    ),
    "There was nothing to import. Choose the file again.": (
        "Il n'y avait rien à importer. Choisissez à nouveau le fichier."
    ),
    "is empty": "est vide",
    # service/units (the refusals the unit pages show)
    (
        "Paths would grow to %(longest)s characters; the limit is %(limit)s. Use shorter "
        "slugs or a shallower tree."
    ): (
        "Les chemins atteindraient %(longest)s caractères ; la limite est de %(limit)s. "
        "Utilisez des identifiants courts plus brefs ou une arborescence moins profonde."
    ),
    "makes a path too long": "rend un chemin trop long",
    (
        "A unit with the slug '%(slug)s' already exists under '%(parent)s' (id %(id)s). "
        "Choose another slug, or change that unit instead."
    ): (
        "Une unité avec l'identifiant court '%(slug)s' existe déjà sous '%(parent)s' "
        "(identifiant %(id)s). Choisissez un autre identifiant court, ou modifiez plutôt "
        "cette unité."
    ),
    (
        "A unit with the slug '%(slug)s' already exists among the roots (id %(id)s). Choose "
        "another slug, or change that unit instead."
    ): (
        "Une unité avec l'identifiant court '%(slug)s' existe déjà parmi les racines "
        "(identifiant %(id)s). Choisissez un autre identifiant court, ou modifiez plutôt "
        "cette unité."
    ),
    (
        "The organisation has one root; a unit cannot become a second one. Give `parent`: the"
        " id, path or slug of the unit to move it under."
    ): (
        "L'organisation a une seule racine ; une unité ne peut pas en devenir une deuxième. "
        "Indiquez `parent` : l'identifiant, le chemin ou l'identifiant court de l'unité sous "
        "laquelle la déplacer."
    ),
    "required: the new parent unit": "obligatoire : la nouvelle unité parente",
    (
        "'%(parent)s' is '%(unit)s' itself or lies below it, so the unit cannot move there. "
        "Choose a parent outside its subtree."
    ): (
        "'%(parent)s' est '%(unit)s' elle-même ou se trouve en dessous : l'unité ne peut pas "
        "y être déplacée. Choisissez un parent hors de sa sous-arborescence."
    ),
    "'%(path)s' cannot be deleted: %(reasons)s.": (
        "'%(path)s' ne peut pas être supprimée : %(reasons)s."
    ),
    "'%(path)s' cannot be deleted: rows in `%(table)s` still refer to it.": (
        "'%(path)s' ne peut pas être supprimée : des lignes de `%(table)s` y font encore référence."
    ),
    "%(reason)s (%(count)s)": "%(reason)s (%(count)s)",
    "%(reason)s: %(examples)s and %(more)s more": "%(reason)s : %(examples)s et %(more)s de plus",
    "%(reason)s: %(examples)s": "%(reason)s : %(examples)s",
    "it has child units (delete or move them first)": (
        "elle a des unités enfants (supprimez-les ou déplacez-les d'abord)"
    ),
    "it is the root unit of a program (give the program another root first)": (
        "elle est l'unité racine d'un programme (donnez d'abord une autre racine au programme)"
    ),
    "staff accounts are scoped to it (give them another unit first)": (
        "des comptes du personnel y sont rattachés (donnez-leur d'abord une autre unité)"
    ),
    "it lies in a program whose waves have opened, and their history names it": (
        "elle fait partie d'un programme dont des vagues ont été ouvertes, et leur historique"
        " la nomme"
    ),
    "survey waves hold its cards, links, answers or released results": (
        "des vagues d'enquête gardent ses cartes, ses liens, ses réponses ou ses résultats publiés"
    ),
    (
        "Nothing was imported: the file has %(num)s problem. Fix the lines listed under "
        "`errors` and import the whole file again."
    ): (
        "Rien n'a été importé : le fichier a %(num)s problème. Corrigez les lignes listées "
        "sous `errors` et importez à nouveau tout le fichier."
    ),
    (
        "Nothing was imported: the file has %(num)s problems. Fix the lines listed under "
        "`errors` and import the whole file again."
    ): (
        "Rien n'a été importé : le fichier a %(num)s problèmes. Corrigez les lignes listées "
        "sous `errors` et importez à nouveau tout le fichier."
    ),
    "and %(more)s more errors not listed": "et %(more)s autres erreurs non listées",
    # service/units: the lines of a refused CSV file
    "missing %(columns)s": "il manque %(columns)s",
    "unknown %(columns)s": "colonnes inconnues %(columns)s",
    "repeated %(columns)s": "colonnes répétées %(columns)s",
    "%(problems)s; the first line must be path,name,headcount": (
        "%(problems)s ; la première ligne doit être path,name,headcount"
    ),
    "is empty; give the slugs from the root down, e.g. 'county-fire/station-7'": (
        "est vide ; donnez les identifiants courts depuis la racine, p. ex. 'county-fire/station-7'"
    ),
    (
        "'%(segment)s' is not a valid slug: use 1–64 lowercase letters, digits and '-', not "
        "starting or ending with '-'"
    ): (
        "'%(segment)s' n'est pas un identifiant court valide : utilisez de 1 à 64 lettres "
        "minuscules, chiffres et '-', sans '-' au début ni à la fin"
    ),
    "is longer than %(limit)s characters": "dépasse %(limit)s caractères",
    "is empty; the first line must be path,name,headcount": (
        "est vide ; la première ligne doit être path,name,headcount"
    ),
    "has more than %(max)s rows; split it into several files, parents first": (
        "a plus de %(max)s lignes ; répartissez-le en plusieurs fichiers, les parents d'abord"
    ),
    "has %(count)s values; expected %(expected)s (path,name,headcount)": (
        "a %(count)s valeurs ; %(expected)s attendues (path,name,headcount)"
    ),
    "'%(path)s' also appears on line %(line)s; give each unit once": (
        "'%(path)s' apparaît aussi à la ligne %(line)s ; donnez chaque unité une seule fois"
    ),
    "cannot be read as CSV: %(error)s": "ne peut pas être lu comme du CSV : %(error)s",
    "has no header line path,name,headcount": "n'a pas de ligne d'en-tête path,name,headcount",
    "has a header but no units": "a un en-tête mais aucune unité",
    "give 1–200 characters, no control characters": (
        "donnez de 1 à 200 caractères, sans caractères de contrôle"
    ),
    "'%(value)s' is not a whole number from 0 to %(max)s": (
        "'%(value)s' n'est pas un nombre entier de 0 à %(max)s"
    ),
    "its parent '%(parent)s' is neither in the file nor in the tree; add a row for it": (
        "son parent '%(parent)s' n'est ni dans le fichier ni dans l'arborescence ; "
        "ajoutez-lui une ligne"
    ),
}
