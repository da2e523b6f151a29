"""French for the console's program pages (list, page, new program form) and the messages
their forms show (service/console/program_form.py, service/programs/service.py, the
durations of service/waves/calendar.py). Waves, the planner and the forecast are in
fr_programs_waves.py."""

FR: dict[str, str] = {
    # console/programs.html
    "Programs": "Programmes",
    "Create a program": "Créer un programme",
    "Every program": "Tous les programmes",
    "Program": "Programme",
    "Units": "Unités",
    "Every": "Fréquence",
    "Mode": "Mode",
    "Next wave": "Prochaine vague",
    "Settings": "Paramètres",
    "%(cadence)s, open %(window)s": "%(cadence)s, ouverture de %(window)s",
    "wave %(seq)s, %(day)s": "vague %(seq)s, %(day)s",
    "fixed": "figés",
    "can change": "modifiables",
    'No programs yet. <a href="/console/programs/new">Create the first one</a>.': (
        'Aucun programme pour l’instant. <a href="/console/programs/new">Créez le premier</a>.'
    ),
    # console/_program_words.html (a program's mode, a wave's status)
    "Paper cards": "Cartes papier",
    "Emailed links": "Liens envoyés par courriel",
    "Open unit link": "Lien ouvert par unité",
    "scheduled": "programmée",
    "open": "ouverte",
    "closed": "fermée",
    "released": "publiée",
    # console/program.html
    "Budget planner": "Planificateur de budget",
    "Open links": "Liens ouverts",
    "Print cards": "Imprimer les cartes",
    "Privacy ledger": "Registre de confidentialité",
    "Waves": "Vagues",
    "wave %(seq)s": "vague %(seq)s",
    "Fixed settings": "Paramètres figés",
    (
        "These settings can no longer change: wave %(seq)s opened on %(day)s, and the anonymity "
        "and privacy promised to the people who answer must hold for every wave that used them. "
        'To survey with other settings, <a href="/console/programs/new">create a new program</a>.'
    ): (
        "Ces paramètres ne peuvent plus changer : la vague %(seq)s s’est ouverte le %(day)s, et "
        "l’anonymat et la confidentialité promis aux personnes qui répondent doivent valoir pour "
        "chaque vague qui les a utilisés. Pour sonder avec d’autres paramètres, "
        '<a href="/console/programs/new">créez un nouveau programme</a>.'
    ),
    (
        "These settings can no longer change: wave %(seq)s opened, and the anonymity and privacy "
        "promised to the people who answer must hold for every wave that used them. To survey "
        'with other settings, <a href="/console/programs/new">create a new program</a>.'
    ): (
        "Ces paramètres ne peuvent plus changer : la vague %(seq)s s’est ouverte, et l’anonymat "
        "et la confidentialité promis aux personnes qui répondent doivent valoir pour chaque "
        "vague qui les a utilisés. Pour sonder avec d’autres paramètres, "
        '<a href="/console/programs/new">créez un nouveau programme</a>.'
    ),
    "Units covered": "Unités couvertes",
    "Instruments": "Questionnaires",
    "(%(slug)s, version %(version)s)": "(%(slug)s, version %(version)s)",
    "First wave": "Première vague",
    "%(cadence)s, open for %(window)s": "%(cadence)s, ouverte pendant %(window)s",
    "Distribution": "Diffusion",
    "ε per person per year": "ε par personne par an",
    "Waves per year": "Vagues par an",
    "%(waves)s (ε per wave overridden: %(epsilon)s)": (
        "%(waves)s (ε par vague imposé : %(epsilon)s)"
    ),
    "Participation estimate while open": "Estimation de la participation pendant l’ouverture",
    "ε = %(epsilon)s per wave, from the wave's budget": (
        "ε = %(epsilon)s par vague, pris sur le budget de la vague"
    ),
    "none": "aucune",
    "Mechanism": "Mécanisme",
    "Minimum count": "Nombre minimal",
    "Maximum half-width": "Demi-largeur maximale",
    "Histogram levels": "Niveaux d’histogrammes",
    "Level shares": "Parts par niveau",
    "even split": "répartition égale",
    "Release on close": "Publier à la fermeture",
    "yes": "oui",
    "no, by hand": "non, à la main",
    "Name and help resources": "Nom et ressources d’aide",
    "These can always change.": "Ceux-ci peuvent toujours changer.",
    "Save": "Enregistrer",
    (
        "Everything can change until the first wave opens (%(when)s); then the units, "
        "instruments, schedule, mode and privacy policy are fixed."
    ): (
        "Tout peut changer jusqu’à l’ouverture de la première vague (%(when)s); ensuite, les "
        "unités, les questionnaires, le calendrier, le mode et la politique de confidentialité "
        "sont figés."
    ),
    (
        "Everything can change until the first wave opens; then the units, instruments, "
        "schedule, mode and privacy policy are fixed."
    ): (
        "Tout peut changer jusqu’à l’ouverture de la première vague; ensuite, les unités, les "
        "questionnaires, le calendrier, le mode et la politique de confidentialité sont figés."
    ),
    "Preview the questionnaire": "Prévisualiser le questionnaire",
    "Save the program": "Enregistrer le programme",
    # console/program_new.html
    "New program": "Nouveau programme",
    "New": "Nouveau",
    (
        "A program is a recurring survey of one part of the organisation. Its first wave is "
        "scheduled when you create it; you can change everything until that wave opens."
    ): (
        "Un programme est un sondage récurrent d’une partie de l’organisation. Sa première vague "
        "est programmée à sa création; vous pouvez tout changer jusqu’à l’ouverture de cette "
        "vague."
    ),
    (
        '<a href="#preview-title">The questionnaire preview</a> is below the form. Nothing is '
        "created until you choose “Create the program”."
    ): (
        '<a href="#preview-title">L’aperçu du questionnaire</a> se trouve sous le formulaire. '
        "Rien n’est créé tant que vous n’avez pas choisi « Créer le programme »."
    ),
    "Create the program": "Créer le programme",
    # console/_program_fields.html and service/console/program_form.py
    "Program name": "Nom du programme",
    "Shown to leaders and printed on cards, e.g. Quarterly wellbeing survey.": (
        "Affiché aux responsables et imprimé sur les cartes, p. ex. Sondage trimestriel sur le "
        "bien-être."
    ),
    "The program surveys this unit and every unit below it.": (
        "Le programme sonde cette unité et toutes les unités qui en dépendent."
    ),
    "Choose a unit": "Choisissez une unité",
    "%(count)s questions · %(slug)s": "%(count)s questions · %(slug)s",
    (
        "Each respondent answers every chosen instrument, in this order. The latest version of "
        "each is used; it is fixed when the first wave opens."
    ): (
        "Chaque répondant répond à tous les questionnaires choisis, dans cet ordre. La dernière "
        "version de chacun est utilisée; elle est figée à l’ouverture de la première vague."
    ),
    "Schedule": "Calendrier",
    "First wave opens (UTC)": "Ouverture de la première vague (UTC)",
    "How often": "Fréquence",
    "Another cadence, in ISO 8601": "Autre fréquence, en ISO 8601",
    (
        "Used when “Another duration” is chosen: P, a number, then Y, M, W or D; P5W is every "
        "five weeks."
    ): (
        "Utilisé quand « Autre durée » est choisi : P, un nombre, puis Y (ans), M (mois), "
        "W (semaines) ou D (jours); P5W signifie toutes les cinq semaines."
    ),
    "How long each wave stays open": "Durée d’ouverture de chaque vague",
    "Another open period, in ISO 8601": "Autre durée d’ouverture, en ISO 8601",
    (
        "Used when “Another duration” is chosen: P, a number, then Y, M, W or D; P10D is ten "
        "days; shorter than the cadence."
    ): (
        "Utilisé quand « Autre durée » est choisi : P, un nombre, puis Y (ans), M (mois), "
        "W (semaines) ou D (jours); P10D signifie dix jours; plus court que la fréquence."
    ),
    "Every month": "Tous les mois",
    "Every 2 months": "Tous les 2 mois",
    "Every 3 months": "Tous les 3 mois",
    "Every 4 months": "Tous les 4 mois",
    "Every 6 months": "Tous les 6 mois",
    "Every year": "Tous les ans",
    "Another duration (below)": "Autre durée (ci-dessous)",
    "Open for 1 week": "Ouverte 1 semaine",
    "Open for 2 weeks": "Ouverte 2 semaines",
    "Open for 3 weeks": "Ouverte 3 semaines",
    "Open for 1 month": "Ouverte 1 mois",
    "How people receive the survey": "Comment les personnes reçoivent le sondage",
    "One printed card with a QR code per person; no email needed.": (
        "Une carte imprimée avec un code QR par personne; aucun courriel requis."
    ),
    "One issuance link per person for your mail system; answers use blind-signed tokens.": (
        "Un lien d’émission par personne pour votre système de courriel; les réponses utilisent "
        "des jetons à signature aveugle."
    ),
    "One link per unit; people could answer twice, so results are marked unverified.": (
        "Un lien par unité; une personne pourrait répondre deux fois, les résultats sont donc "
        "marqués non vérifiés."
    ),
    "Privacy policy": "Politique de confidentialité",
    (
        "Fixed for each wave when it opens. The forecast below shows how many units each choice "
        "lets a release show."
    ): (
        "Figée pour chaque vague à son ouverture. La prévision ci-dessous montre combien "
        "d’unités chaque choix permet d’afficher dans une publication."
    ),
    "Privacy setting": "Niveau de confidentialité",
    "Standard": "Standard",
    "ε = 4 per person per year; a unit is shown from 10 answers, within ± 0.25.": (
        "ε = 4 par personne par an; une unité est affichée à partir de 10 réponses, à ± 0.25 près."
    ),
    "Stronger privacy": "Confidentialité renforcée",
    "ε = 2 per year; shown from 15 answers, within ± 0.3: fewer units show scores.": (
        "ε = 2 par an; affichée à partir de 15 réponses, à ± 0.3 près : moins d’unités "
        "affichent des scores."
    ),
    "More detail": "Plus de détail",
    "ε = 8 per year: more units show scores; a weaker guarantee.": (
        "ε = 8 par an : plus d’unités affichent des scores; une garantie plus faible."
    ),
    "Custom": "Personnalisé",
    "The numbers below, as typed.": "Les nombres ci-dessous, tels que saisis.",
    "With “Custom”, these numbers apply as typed; a named setting fills them in.": (
        "Avec « Personnalisé », ces nombres s’appliquent tels que saisis; un niveau nommé les "
        "remplit."
    ),
    "The guarantee: the most any 365 days of releases may spend on a person, at most 40.": (
        "La garantie : le maximum que les publications de 365 jours quelconques peuvent "
        "dépenser pour une personne, au plus 40."
    ),
    "Each wave spends this fraction of the year’s budget (1 to 52).": (
        "Chaque vague dépense cette fraction du budget de l’année (1 à 52)."
    ),
    "ε per wave (optional)": "ε par vague (facultatif)",
    "Leave empty: the year’s budget divided by its waves.": (
        "Laissez vide : le budget de l’année divisé par ses vagues."
    ),
    "At most 0.00001, e.g. 1e-7.": "Au plus 0.00001, p. ex. 1e-7.",
    "A unit is shown only when its noisy count reaches this.": (
        "Une unité n’est affichée que si son nombre bruité atteint cette valeur."
    ),
    "… and its 95%% interval is no wider than ± this many scale points.": (
        "… et si son intervalle à 95 %% ne dépasse pas ± ce nombre de points de l’échelle."
    ),
    "Pooled half-width (optional)": "Demi-largeur sur plusieurs vagues (facultatif)",
    (
        "A mean pooled over 4 waves is shown when its 95%% interval is no wider than ± this (its "
        "own limit). Empty: 0.5."
    ): (
        "Une moyenne sur 4 vagues est affichée si son intervalle à 95 %% ne dépasse pas ± cette "
        "valeur (sa propre limite). Vide : 0.5."
    ),
    "Item histograms for the top this-many levels (0: none).": (
        "Histogrammes des questions pour ce nombre de niveaux à partir du haut (0 : aucun)."
    ),
    "Gaussian": "Gaussien",
    "Zero-concentrated DP; the usual choice.": "DP à concentration nulle; le choix habituel.",
    "Laplace": "Laplace",
    "Pure ε-DP.": "ε-DP pure.",
    "Share of the budget per tree level (optional)": (
        "Part du budget par niveau de l’arbre (facultatif)"
    ),
    (
        "Give one share per level of the tree, the root's level first, adding up to 1, e.g. "
        "0.6, 0.4 for units one level below the root. Empty: the planner’s best shares for this "
        "tree."
    ): (
        "Donnez une part par niveau de l’arbre, le niveau de la racine en premier, pour un total "
        "de 1, p. ex. 0.6, 0.4 pour des unités un niveau sous la racine. Vide : les meilleures "
        "parts du planificateur pour cet arbre."
    ),
    "What each tree level measures (optional)": (
        "Ce que mesure chaque niveau de l’arbre (facultatif)"
    ),
    (
        "Root level first, one of headline, means, bands, histograms per level, e.g. "
        "histograms, means, headline. Empty: from the shares. The planner proposes them with the "
        "shares."
    ): (
        "Le niveau de la racine en premier, un de headline, means, bands, histograms par "
        "niveau, p. ex. histograms, means, headline. Vide : selon les parts. Le planificateur "
        "les propose avec les parts."
    ),
    "Release each wave as soon as it closes": "Publier chaque vague dès sa fermeture",
    "Otherwise you release each wave here, by hand.": (
        "Sinon, vous publiez chaque vague ici, à la main."
    ),
    "Preview forecast": "Prévisualiser la prévision",
    "Who runs the survey": "Qui mène le sondage",
    'The survey page says "Run by …" with these words, e.g. "the peer-support team". Optional.': (
        "La page du sondage dit « Mené par … » avec ces mots, p. ex. « l’équipe de soutien par "
        "les pairs ». Facultatif."
    ),
    "Run by (English)": "Mené par (anglais)",
    "Run by (French)": "Mené par (français)",
    "Help shown on every survey page": "Aide affichée sur chaque page du sondage",
    (
        "Up to %(rows)s contacts for respondents: peer support, EAP, crisis lines. A phone "
        "number becomes a link that dials it. Leave a row empty to skip it."
    ): (
        "Jusqu’à %(rows)s contacts pour les répondants : soutien par les pairs, PAE, lignes de "
        "crise. Un numéro de téléphone devient un lien qui le compose. Laissez une ligne vide "
        "pour l’ignorer."
    ),
    "Contact %(number)s": "Contact %(number)s",
    "Name": "Nom",
    "Name in French (optional)": "Nom en français (facultatif)",
    "Kind": "Type",
    "Peer support": "Soutien par les pairs",
    "Employee assistance (EAP)": "Aide aux employés (PAE)",
    "Crisis line": "Ligne de crise",
    "Chaplain": "Aumônier",
    "Other": "Autre",
    "Phone number": "Numéro de téléphone",
    "Digits, e.g. 988 or +1 555-0100": "Chiffres, p. ex. 988 ou +1 555-0100",
    "How and when to reach": "Comment et quand joindre",
    'e.g. "Text or call, any hour"': "p. ex. « Texto ou appel, à toute heure »",
    "Web address": "Adresse Web",
    "https:// only": "https:// seulement",
    "Description (English)": "Description (anglais)",
    "Description (French)": "Description (français)",
    "Choose at least one instrument.": "Choisissez au moins un questionnaire.",
    "Choose the unit whose subtree the program covers.": (
        "Choisissez l’unité dont le programme couvre le sous-arbre."
    ),
    (
        "Enter numbers separated by commas, one share per level of the tree, the root's level "
        "first, adding up to 1, e.g. 0.6, 0.4; or leave this empty for the planner's best shares."
    ): (
        "Saisissez des nombres séparés par des virgules, une part par niveau de l’arbre, le "
        "niveau de la racine en premier, pour un total de 1, p. ex. 0.6, 0.4; ou laissez vide "
        "pour les meilleures parts du planificateur."
    ),
    # service/programs/service.py (messages beside the program form's inputs)
    "no unit has the path or id %(unit)s": "aucune unité n’a le chemin ou l’identifiant %(unit)s",
    "list each instrument once: %(slugs)s": (
        "indiquez chaque questionnaire une seule fois : %(slugs)s"
    ),
    "no instrument %(slug)s is loaded; add surveys/%(file)s.toml first": (
        "aucun questionnaire %(slug)s n’est chargé; ajoutez d’abord surveys/%(file)s.toml"
    ),
    (
        "the window %(window)s must be shorter than the cadence %(cadence)s (counting months as "
        "28 to 31 days), so each wave closes before the next opens"
    ): (
        "la durée d’ouverture %(window)s doit être plus courte que la fréquence %(cadence)s (en "
        "comptant les mois de 28 à 31 jours), pour que chaque vague se ferme avant l’ouverture "
        "de la suivante"
    ),
    "give a time zone, e.g. 'Z'": "indiquez un fuseau horaire, p. ex. « Z »",
    "the first wave would already be over; start later": (
        "la première vague serait déjà terminée; commencez plus tard"
    ),
    "start within the next ten years": "commencez dans les dix prochaines années",
    "the annual cap %(cap)s must be at least the budget of one wave (%(wave)s)": (
        "le plafond annuel %(cap)s doit être au moins égal au budget d’une vague (%(wave)s)"
    ),
    (
        "these shares add up to %(total)s, not 1: give one share per level of the tree, the "
        "root's level first, adding up to 1"
    ): (
        "ces parts totalisent %(total)s, et non 1 : donnez une part par niveau de l’arbre, le "
        "niveau de la racine en premier, pour un total de 1"
    ),
    (
        "the tree has %(num)s level from the root down, so give %(num)s share: one share per "
        "level of the tree, the root's level first, adding up to 1"
    ): (
        "l’arbre a %(num)s niveau à partir de la racine, donnez donc %(num)s part : une part par "
        "niveau de l’arbre, le niveau de la racine en premier, pour un total de 1"
    ),
    (
        "the tree has %(num)s levels from the root down, so give %(num)s shares: one share per "
        "level of the tree, the root's level first, adding up to 1"
    ): (
        "l’arbre a %(num)s niveaux à partir de la racine, donnez donc %(num)s parts : une part "
        "par niveau de l’arbre, le niveau de la racine en premier, pour un total de 1"
    ),
    "give one entry per level of the tree below the root: %(levels)s": (
        "donnez une entrée par niveau de l’arbre sous la racine : %(levels)s"
    ),
    "Give the program a name.": "Donnez un nom au programme.",
    "the name is blank": "le nom est vide",
    "Program %(id)s is already called %(name)s. Pick another name.": (
        "Le programme %(id)s s’appelle déjà %(name)s. Choisissez un autre nom."
    ),
    "use an https:// address with a host name, e.g. https://eap.example.org": (
        "utilisez une adresse https:// avec un nom d’hôte, p. ex. https://eap.example.org"
    ),
    "A program is already called %(name)s. Pick another name.": (
        "Un programme s’appelle déjà %(name)s. Choisissez un autre nom."
    ),
    (
        "A wave of this program has opened, so %(fields)s can no longer change: they are fixed "
        "for the waves that used them. Create a new program instead."
    ): (
        "Une vague de ce programme s’est ouverte, donc %(fields)s ne peuvent plus changer : ils "
        "sont figés pour les vagues qui les ont utilisés. Créez plutôt un nouveau programme."
    ),
    # service/waves/calendar.py (durations)
    "`%(field)s` is not a duration Muster can use: %(problem)s.": (
        "`%(field)s` n’est pas une durée que Muster peut utiliser : %(problem)s."
    ),
    (
        "durations are written in ISO 8601: for %(text)s write %(duration)s (P, the number, "
        "then Y, M, W or D)"
    ): (
        "les durées s’écrivent en ISO 8601 : pour %(text)s, écrivez %(duration)s (P, le nombre, "
        "puis Y, M, W ou D)"
    ),
    (
        "hours, minutes and seconds are not supported; write an ISO 8601 duration such as P3M, "
        "P14D, P2W or P1Y"
    ): (
        "les heures, minutes et secondes ne sont pas prises en charge; écrivez une durée "
        "ISO 8601 comme P3M, P14D, P2W ou P1Y"
    ),
    "%(text)s is not valid; write an ISO 8601 duration such as P3M, P14D, P2W or P1Y": (
        "%(text)s n’est pas valide; écrivez une durée ISO 8601 comme P3M, P14D, P2W ou P1Y"
    ),
    "%(text)s is empty or zero; write an ISO 8601 duration such as P3M, P14D, P2W or P1Y": (
        "%(text)s est vide ou nul; écrivez une durée ISO 8601 comme P3M, P14D, P2W ou P1Y"
    ),
    "%(text)s is longer than ten years": "%(text)s dépasse dix ans",
    "%(num)s year": "%(num)s an",
    "%(num)s years": "%(num)s ans",
    "%(num)s month": "%(num)s mois",
    "%(num)s months": "%(num)s mois",
    "%(num)s week": "%(num)s semaine",
    "%(num)s weeks": "%(num)s semaines",
    "%(num)s day": "%(num)s jour",
    "%(num)s days": "%(num)s jours",
}
