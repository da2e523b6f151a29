"""French for the coordinator console (issue 15), part 3: invitation cards, open links and
emailed links, with the refusals of the invitations service they show."""

FR: dict[str, str] = {
    # console/invitations.html
    (
        "Each card carries a single-use code and a QR code. Hand them out at random, e.g. at "
        "roll call, so nobody can tell whose card is whose. <strong>The file you download is "
        "the only copy of the codes:</strong> Muster keeps only their hashes, so cards cannot"
        " be printed again. Lost a sheet? Generate new cards."
    ): (
        "Chaque carte porte un code à usage unique et un code QR. Distribuez-les au hasard, "
        "p. ex. à l'appel, pour que personne ne sache à qui appartient chaque carte. "
        "<strong>Le fichier que vous téléchargez est la seule copie des codes :</strong> "
        "Muster n'en garde que les hachages, les cartes ne peuvent donc pas être réimprimées."
        " Une feuille perdue ? Générez de nouvelles cartes."
    ),
    (
        "One link per unit for programs in the open-link mode. Anyone with the link can "
        "answer, possibly more than once, so these results are marked unverified. Making a "
        "unit's link again replaces the old one, which stops working at once."
    ): (
        "Un lien par unité pour les programmes en mode lien ouvert. Toute personne qui a le "
        "lien peut répondre, peut-être plus d'une fois : ces résultats sont donc marqués non "
        "vérifiés. Refaire le lien d'une unité remplace l'ancien, qui cesse aussitôt de "
        "fonctionner."
    ),
    (
        'No scheduled or open wave uses paper cards. <a href="/console/programs">See the '
        "programs</a>."
    ): (
        "Aucune vague programmée ou ouverte n'utilise de cartes papier. <a "
        'href="/console/programs">Voir les programmes</a>.'
    ),
    (
        "No scheduled or open wave uses open links. "
        '<a href="/console/programs">See the programs</a>.'
    ): (
        "Aucune vague programmée ou ouverte n'utilise de liens ouverts. <a "
        'href="/console/programs">Voir les programmes</a>.'
    ),
    "Every unit without units below it, under this one": (
        "Chaque unité sans unité en dessous, sous celle-ci"
    ),
    "One link for every unit without units below it, under this one": (
        "Un lien pour chaque unité sans unité en dessous, sous celle-ci"
    ),
    "One PDF for a whole battalion or department, grouped by unit.": (
        "Un seul PDF pour tout un bataillon ou tout un service, regroupé par unité."
    ),
    "Spare cards, %% of each unit’s headcount": (
        "Cartes de réserve, en %% de l'effectif de chaque unité"
    ),
    (
        "Each unit gets its headcount plus this share, rounded up: with 10, a unit of 24 "
        "people gets 27 cards."
    ): (
        "Chaque unité reçoit son effectif plus cette part, arrondi au-dessus : avec 10, une "
        "unité de 24 personnes reçoit 27 cartes."
    ),
    "Cards per unit, the same for every unit (optional)": (
        "Cartes par unité, le même nombre pour chaque unité (facultatif)"
    ),
    "Leave empty to count from headcounts; at most %(max)s per unit.": (
        "Laissez vide pour compter d'après les effectifs ; au plus %(max)s par unité."
    ),
    "File": "Fichier",
    "Ten cards to a page with cut marks.": "Dix cartes par page avec traits de coupe.",
    "For printing from a browser.": "Pour imprimer depuis un navigateur.",
    (
        "The codes and links, one row per card, to print your own cards. Hand cards out at "
        "random: never match codes to names."
    ): (
        "Les codes et les liens, une ligne par carte, pour imprimer vos propres cartes. "
        "Distribuez les cartes au hasard : n'associez jamais les codes à des noms."
    ),
    "Paper": "Papier",
    "US Letter": "Lettre US",
    "Generate and download the cards": "Générer et télécharger les cartes",
    "Generate and download the links": "Générer et télécharger les liens",
    # console/links.html
    "Emailed links": "Liens envoyés par courriel",
    (
        "For programs in the <em>links</em> mode: one issuance link per person, sent from "
        "your own mail system. A link lets its holder get one survey token in their browser; "
        "Muster signs the token without seeing it, so it can check that each person answers "
        "once but can never tell whose answers are whose. <strong>The file you download is "
        "the only copy of the links:</strong> Muster keeps only hashes, so links cannot be "
        "exported again; export new ones instead."
    ): (
        "Pour les programmes en mode <em>liens</em> : un lien de délivrance par personne, "
        "envoyé depuis votre propre messagerie. Un lien permet à qui le détient d'obtenir un "
        "jeton d'enquête dans son navigateur ; Muster signe le jeton sans le voir : il peut "
        "vérifier que chaque personne répond une fois, mais ne peut jamais savoir à qui sont "
        "les réponses. <strong>Le fichier que vous téléchargez est la seule copie des liens "
        ":</strong> Muster n'en garde que les hachages, les liens ne peuvent donc pas être "
        "exportés à nouveau ; exportez-en plutôt de nouveaux."
    ),
    "<strong>For your mail administrator:</strong> %(notice)s": (
        "<strong>Pour l'administrateur de votre messagerie :</strong> %(notice)s"
    ),
    (
        'No scheduled or open wave uses emailed links. <a href="/console/programs">See the '
        "programs</a>."
    ): (
        "Aucune vague programmée ou ouverte n'utilise de liens envoyés par courriel. <a "
        'href="/console/programs">Voir les programmes</a>.'
    ),
    "One file for a whole battalion or department, grouped by unit.": (
        "Un seul fichier pour tout un bataillon ou tout un service, regroupé par unité."
    ),
    "Links per unit": "Liens par unité",
    "One per person who may answer; at most %(max)s.": (
        "Un par personne pouvant répondre ; au plus %(max)s."
    ),
    "Export the links (CSV)": "Exporter les liens (CSV)",
    "Survey key fingerprint: <code>%(fingerprint)s</code>.": (
        "Empreinte de la clé d'enquête : <code>%(fingerprint)s</code>."
    ),
    "The survey key is made when the wave opens; its fingerprint appears here then.": (
        "La clé d'enquête est créée à l'ouverture de la vague ; son empreinte apparaîtra alors ici."
    ),
    "Links per unit (until the wave closes, when the tickets are erased)": (
        "Liens par unité (jusqu'à la fermeture de la vague, quand les tickets sont effacés)"
    ),
    "Links made": "Liens créés",
    "No links made yet.": "Aucun lien créé pour l'instant.",
    (
        "Answers per unit are not shown here: Muster never shows an exact count of answers "
        "below the whole organisation. They appear in the dashboard after the wave is "
        "released, as noisy figures with their intervals."
    ): (
        "Les réponses par unité ne sont pas montrées ici : Muster ne montre jamais de nombre "
        "exact de réponses en dessous de toute l'organisation. Elles apparaissent dans le "
        "tableau de bord après la publication de la vague, sous forme de chiffres bruités "
        "avec leurs intervalles."
    ),
    # service/console/invitations.py
    "Choose a wave.": "Choisissez une vague.",
    "Choose a unit.": "Choisissez une unité.",
    "Choose PDF, HTML or CSV.": "Choisissez PDF, HTML ou CSV.",
    "Choose A4 or US Letter.": "Choisissez A4 ou Lettre US.",
    "Enter a number of cards from 1 to %(max)s.": "Saisissez un nombre de cartes de 1 à %(max)s.",
    "Enter a number of links from 1 to %(max)s.": "Saisissez un nombre de liens de 1 à %(max)s.",
    "Enter a spare share from 0 to 100 percent.": (
        "Saisissez une part de réserve de 0 à 100 pour cent."
    ),
    # service/invitations/links.py
    (
        "Whoever runs the mail system can see who was sent each link and whether it was "
        "opened, so who collected a survey token, but never what anyone answered: the token "
        "is made and blinded on the person's own device and cannot be traced back to this "
        "link."
    ): (
        "Qui gère la messagerie peut voir à qui chaque lien a été envoyé et s'il a été "
        "ouvert, donc qui a obtenu un jeton d'enquête, mais jamais ce que quiconque a répondu"
        " : le jeton est créé et masqué sur l'appareil de la personne et ne peut pas être "
        "rattaché à ce lien."
    ),
    (
        "Print the survey key fingerprint on the notice board so that everyone, a union "
        "representative first, can check that their link page shows the same one."
    ): (
        "Affichez l'empreinte de la clé d'enquête au tableau d'affichage pour que chacun, à "
        "commencer par un représentant syndical, puisse vérifier que sa page de lien montre "
        "la même."
    ),
    # service/invitations (the refusals the card and link pages show)
    (
        "No unit has the path, id or unique slug %(ref)s. Use the full path, e.g. "
        "county-fire/battalion-1/station-7."
    ): (
        "Aucune unité n'a le chemin, l'identifiant ou l'identifiant court unique %(ref)s. "
        "Utilisez le chemin complet, p. ex. county-fire/battalion-1/station-7."
    ),
    "%(unit)s is not part of %(program)s, which covers %(root)s.": (
        "%(unit)s ne fait pas partie de %(program)s, qui couvre %(root)s."
    ),
    "pick a unit at or below %(root)s": "choisissez %(root)s ou une unité en dessous",
    (
        "That would make %(total)s at once (%(units)s units x %(per_unit)s); one request "
        "makes at most %(max)s. Split it by unit."
    ): (
        "Cela en ferait %(total)s d'un coup (%(units)s unités x %(per_unit)s) ; une demande "
        "en fait au plus %(max)s. Répartissez par unité."
    ),
    "at most %(max)s in total": "au plus %(max)s au total",
    "There is no wave %(id)s. List the program's waves to find its id.": (
        "Il n'y a pas de vague %(id)s. Affichez les vagues du programme pour trouver son "
        "identifiant."
    ),
    (
        "Unit %(unit)s has no headcount to count cards from. Set its headcount on the units "
        "page, or give a number of cards per unit."
    ): (
        "L'unité %(unit)s n'a pas d'effectif pour compter les cartes. Indiquez son effectif "
        "sur la page des unités, ou donnez un nombre de cartes par unité."
    ),
    "%(unit)s has no headcount": "%(unit)s n'a pas d'effectif",
    (
        "Unit %(unit)s would need %(count)s cards; one request makes at most %(max)s per "
        "unit. Give a number of cards per unit."
    ): (
        "L'unité %(unit)s aurait besoin de %(count)s cartes ; une demande en fait au plus "
        "%(max)s par unité. Donnez un nombre de cartes par unité."
    ),
    "at most %(max)s per unit": "au plus %(max)s par unité",
}
