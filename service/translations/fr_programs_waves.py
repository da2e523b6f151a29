"""French for the console's waves, wave confirmations, budget planner and forecast, and the
planner's advice (service/privacy/advice.py). The program pages: fr_programs.py."""

FR: dict[str, str] = {
    # console/_forecast.html
    "Forecast": "Prévision",
    "With these settings, <strong>%(shown)s of %(units)s units</strong> will show scores.": (
        "Avec ces paramètres, <strong>%(shown)s unités sur %(units)s</strong> afficheront des "
        "scores."
    ),
    (
        "From the budget planner: public headcounts and %(participation)s%% of each unit "
        "answering (about %(answers)s answers in all); never from answers. A forecast, not a "
        "promise."
    ): (
        "Selon le planificateur de budget : les effectifs publics et %(participation)s %% de "
        "réponses dans chaque unité (environ %(answers)s réponses en tout); jamais à partir des "
        "réponses. Une prévision, pas une promesse."
    ),
    (
        "The planner’s best level shares, %(shares)s, would show %(shown)s of %(units)s units, "
        "with more counts or narrower intervals."
    ): (
        "Les meilleures parts par niveau du planificateur, %(shares)s, afficheraient %(shown)s "
        "unités sur %(units)s, avec plus de nombres ou des intervalles plus étroits."
    ),
    "The planner’s best level shares, %(shares)s, would show %(shown)s of %(units)s units.": (
        "Les meilleures parts par niveau du planificateur, %(shares)s, afficheraient %(shown)s "
        "unités sur %(units)s."
    ),
    "Use the planner’s shares (%(shares)s)": "Utiliser les parts du planificateur (%(shares)s)",
    (
        "Choose the units covered and at least one instrument, with a valid privacy policy, "
        "then preview the forecast."
    ): (
        "Choisissez les unités couvertes et au moins un questionnaire, avec une politique de "
        "confidentialité valide, puis prévisualisez la prévision."
    ),
    # console/waves.html and console/_timeline.html
    (
        'Each wave goes <span class="status status-scheduled">scheduled</span> → <span '
        'class="status status-open">open</span> → <span class="status status-closed">closed'
        '</span> → <span class="status status-released">released</span>, on schedule or by '
        "your hand, and never back."
    ): (
        'Chaque vague passe de <span class="status status-scheduled">programmée</span> à <span '
        'class="status status-open">ouverte</span>, puis <span class="status status-closed">'
        'fermée</span>, puis <span class="status status-released">publiée</span>, selon le '
        "calendrier ou de votre main, sans jamais revenir en arrière."
    ),
    "every %(cadence)s, open for %(window)s": "fréquence : %(cadence)s, ouverte pendant %(window)s",
    'No programs yet. <a href="/console/programs/new">Create one</a> to schedule waves.': (
        'Aucun programme pour l’instant. <a href="/console/programs/new">Créez-en un</a> pour '
        "programmer des vagues."
    ),
    "Wave %(seq)s": "Vague %(seq)s",
    "Opens": "Ouverture",
    "Closes": "Fermeture",
    "Released": "Publiée",
    'Open wave %(seq)s now<span class="visually-hidden"> (%(program)s)</span>': (
        'Ouvrir la vague %(seq)s maintenant<span class="visually-hidden"> (%(program)s)</span>'
    ),
    'Close wave %(seq)s<span class="visually-hidden"> (%(program)s)</span>': (
        'Fermer la vague %(seq)s<span class="visually-hidden"> (%(program)s)</span>'
    ),
    'Release wave %(seq)s<span class="visually-hidden"> (%(program)s)</span>': (
        'Publier la vague %(seq)s<span class="visually-hidden"> (%(program)s)</span>'
    ),
    "No waves yet.": "Aucune vague pour l’instant.",
    # service/waves/service.py (a transition refused, on the confirmation page)
    (
        "Wave %(seq)s of %(program)s is %(status)s; only a scheduled wave can be opened. "
        "Waves go scheduled -> open -> closed -> released, never back."
    ): (
        "La vague %(seq)s de %(program)s est %(status)s; seule une vague programmée "
        "peut être ouverte. Les vagues passent de programmée à ouverte, fermée puis publiée, "
        "sans jamais revenir en arrière."
    ),
    (
        "Wave %(seq)s of %(program)s is %(status)s; only an open wave can be closed. "
        "Waves go scheduled -> open -> closed -> released, never back."
    ): (
        "La vague %(seq)s de %(program)s est %(status)s; seule une vague ouverte "
        "peut être fermée. Les vagues passent de programmée à ouverte, fermée puis publiée, "
        "sans jamais revenir en arrière."
    ),
    (
        "Wave %(seq)s (id %(id)s) of %(program)s is still open; close it first: a program has "
        "one open wave at a time."
    ): (
        "La vague %(seq)s (id %(id)s) de %(program)s est encore ouverte; fermez-la d’abord : "
        "un programme a une seule vague ouverte à la fois."
    ),
    (
        "Wave %(seq)s's window ended at %(closes_at)s; it can no longer open. The scheduler "
        "records it as missed."
    ): (
        "La période d’ouverture de la vague %(seq)s s’est terminée le %(closes_at)s; elle ne "
        "peut plus s’ouvrir. Le planificateur de tâches l’enregistre comme manquée."
    ),
    # service/privacy/service.py (a release refused, on the confirmation page)
    "Wave %(id)s was released already; every reader sees that release.": (
        "La vague %(id)s a déjà été publiée; chaque lecteur voit cette publication."
    ),
    "Wave %(id)s is %(status)s; close it before releasing it.": (
        "La vague %(id)s est %(status)s; fermez-la avant de la publier."
    ),
    (
        "Releasing wave %(id)s would bring this program's privacy loss over the last 365 days "
        "to ε = %(after)s, above its cap of %(cap)s. ε = %(left)s is left; wait until older "
        "releases leave the 365-day window."
    ): (
        "Publier la vague %(id)s porterait la perte de confidentialité de ce programme sur les "
        "365 derniers jours à ε = %(after)s, au-dessus de son plafond de %(cap)s. Il reste "
        "ε = %(left)s; attendez que des publications plus anciennes sortent de la fenêtre de "
        "365 jours."
    ),
    (
        "Releasing wave %(id)s would bring the privacy loss of the people in %(path)s over the "
        "last 365 days, from every program that covers them, to ε = %(after)s, above this "
        "program's cap of %(cap)s. Wait until older releases leave the 365-day window, or "
        "release fewer programs over the same people."
    ): (
        "Publier la vague %(id)s porterait la perte de confidentialité des personnes de "
        "%(path)s sur les 365 derniers jours, tous programmes qui les couvrent confondus, à "
        "ε = %(after)s, au-dessus du plafond de ce programme, %(cap)s. Attendez que des "
        "publications plus anciennes sortent de la fenêtre de 365 jours, ou publiez moins de "
        "programmes sur les mêmes personnes."
    ),
    # console/wave_confirm.html
    "Open wave %(seq)s": "Ouvrir la vague %(seq)s",
    "Close wave %(seq)s": "Fermer la vague %(seq)s",
    "Release wave %(seq)s": "Publier la vague %(seq)s",
    "Open wave %(seq)s of %(program)s?": "Ouvrir la vague %(seq)s de %(program)s?",
    "Close wave %(seq)s of %(program)s?": "Fermer la vague %(seq)s de %(program)s?",
    "Release wave %(seq)s of %(program)s?": "Publier la vague %(seq)s de %(program)s?",
    "Status now": "État actuel",
    "This was refused": "Ceci a été refusé",
    "Spent in the last 365 days": "Dépensé au cours des 365 derniers jours",
    "ε = %(value)s": "ε = %(value)s",
    "Left under the cap": "Reste sous le plafond",
    "This release needs": "Cette publication demande",
    "Annual cap": "Plafond annuel",
    (
        "Releases older than 365 days leave the window; see the "
        '<a href="/console/ledger?program=%(program)s">privacy ledger</a> for when.'
    ): (
        "Les publications de plus de 365 jours sortent de la fenêtre; consultez le "
        '<a href="/console/ledger?program=%(program)s">registre de confidentialité</a> pour '
        "savoir quand."
    ),
    "What happens": "Ce qui se passe",
    "The wave opens now and closes as planned, %(when)s.": (
        "La vague s’ouvre maintenant et se ferme comme prévu, %(when)s."
    ),
    (
        "The program's units, instruments, distribution mode and privacy policy (ε = "
        "%(epsilon)s per person per year over %(waves)s waves) are fixed for this wave and every "
        "later one: they can no longer change."
    ): (
        "Les unités, les questionnaires, le mode de diffusion et la politique de confidentialité "
        "du programme (ε = %(epsilon)s par personne par an sur %(waves)s vagues) sont figés pour "
        "cette vague et toutes les suivantes : ils ne peuvent plus changer."
    ),
    (
        "Check which units a release will be able to show in the "
        '<a href="/console/planner?program=%(program)s">budget planner</a> first.'
    ): (
        "Vérifiez d’abord quelles unités une publication pourra afficher dans le "
        '<a href="/console/planner?program=%(program)s">planificateur de budget</a>.'
    ),
    "Collection stops now: unused cards and links stop working.": (
        "La collecte s’arrête maintenant : les cartes et les liens inutilisés cessent de "
        "fonctionner."
    ),
    (
        "The wave's responses are shuffled and its spent codes dropped, so no answer can be "
        "linked to a card. A wave never reopens."
    ): (
        "Les réponses de la vague sont mélangées et ses codes utilisés supprimés, de sorte "
        "qu’aucune réponse ne peut être reliée à une carte. Une vague ne se rouvre jamais."
    ),
    "The policy releases the wave as soon as it closes.": (
        "La politique publie la vague dès sa fermeture."
    ),
    "You release the results afterwards.": "Vous publiez les résultats ensuite.",
    (
        "Noisy, differentially private results are computed once and stored; leaders and "
        "researchers see them from then on. A release cannot be undone or repeated."
    ): (
        "Des résultats bruités, à confidentialité différentielle, sont calculés une seule fois "
        "et conservés; les responsables et les chercheurs les voient dès lors. Une publication "
        "ne peut être ni annulée ni répétée."
    ),
    (
        "It spends %(spend)s of the year's privacy budget. In the last 365 days ε = %(spent)s of "
        "the cap ε = %(cap)s was spent; ε = %(left)s is left."
    ): (
        "Elle dépense %(spend)s du budget de confidentialité de l’année. Au cours des 365 "
        "derniers jours, ε = %(spent)s du plafond ε = %(cap)s a été dépensé; il reste "
        "ε = %(left)s."
    ),
    "Answers": "Réponses",
    (
        "This program covers part of the organisation, so its exact number of answers is not "
        "shown: the release publishes it with noise."
    ): (
        "Ce programme couvre une partie de l’organisation, son nombre exact de réponses n’est "
        "donc pas affiché : la publication le diffuse avec du bruit."
    ),
    (
        "The wave has <strong>%(num)s answer</strong> in all (the total at the top of the "
        "tree; no count of any unit below it is shown before the release)."
    ): (
        "La vague compte <strong>%(num)s réponse</strong> en tout (le total au sommet de "
        "l’arbre ; aucun nombre d’une unité en dessous n’est affiché avant la publication)."
    ),
    (
        "The wave has <strong>%(num)s answers</strong> in all (the total at the top of the "
        "tree; no count of any unit below it is shown before the release)."
    ): (
        "La vague compte <strong>%(num)s réponses</strong> en tout (le total au sommet de "
        "l’arbre ; aucun nombre d’une unité en dessous n’est affiché avant la publication)."
    ),
    (
        "<strong>Far below the forecast:</strong> it assumed about %(answers)s answers "
        "(%(participation)s%% of the headcount). Fewer units than forecast will show scores; the "
        "budget is spent all the same. You may prefer to wait for more answers on a later wave."
    ): (
        "<strong>Bien en dessous de la prévision :</strong> elle supposait environ %(answers)s "
        "réponses (%(participation)s %% de l’effectif). Moins d’unités que prévu afficheront des "
        "scores; le budget est dépensé quand même. Vous préférerez peut-être attendre plus de "
        "réponses lors d’une vague ultérieure."
    ),
    "I understand that this cannot be undone": "Je comprends que ceci ne peut pas être annulé",
    "Cancel": "Annuler",
    "Back to %(program)s": "Retour à %(program)s",
    # console/planner.html and service/console/service.py's planner_page
    "Unit": "Unité",
    "Level": "Niveau",
    "Headcount": "Effectif",
    "Expected answers": "Réponses attendues",
    "Count ±": "Nombre ±",
    "Mean ±": "Moyenne ±",
    "Count shown?": "Nombre affiché?",
    "Means shown?": "Moyennes affichées?",
    "no": "non",
    (
        "Before a wave opens: which units will its release be able to show, with this privacy "
        "budget and this many people answering? The planner uses public headcounts only; it "
        "reads no response and spends no budget. Its answers are forecasts, not promises."
    ): (
        "Avant l’ouverture d’une vague : quelles unités sa publication pourra-t-elle afficher, "
        "avec ce budget de confidentialité et ce nombre de personnes qui répondent? Le "
        "planificateur n’utilise que les effectifs publics; il ne lit aucune réponse et ne "
        "dépense aucun budget. Ce sont des prévisions, pas des promesses."
    ),
    "Participation (%%)": "Participation (%%)",
    "Share of the headcount you expect to answer.": "Part de l’effectif qui devrait répondre.",
    "ε per person per year (optional)": "ε par personne par an (facultatif)",
    "Try another budget. Empty: the program’s own, ε = %(epsilon)s.": (
        "Essayez un autre budget. Vide : celui du programme, ε = %(epsilon)s."
    ),
    "Try another budget. Empty: the program’s own.": (
        "Essayez un autre budget. Vide : celui du programme."
    ),
    "Show the forecast": "Afficher la prévision",
    'No programs yet. <a href="/console/programs/new">Create one</a> first.': (
        'Aucun programme pour l’instant. <a href="/console/programs/new">Créez-en un</a> d’abord.'
    ),
    "Choose a program from the list.": "Choisissez un programme dans la liste.",
    "Enter a percentage above 0 and at most 100.": (
        "Saisissez un pourcentage supérieur à 0 et d’au plus 100."
    ),
    "Enter an ε per year above 0 and at most 40, or leave it empty.": (
        "Saisissez un ε par an supérieur à 0 et d’au plus 40, ou laissez vide."
    ),
    "What the planner advises": "Ce que conseille le planificateur",
    (
        "With ε = %(epsilon)s per person per year over %(waves)s waves (%(mechanism)s) and "
        "%(participation)s%% participation, a unit's mean is shown when its noisy count reaches "
        "%(min_count)s and its predicted 95%% interval is within ± %(half_width)s; a mean pooled "
        "over 4 waves has its own limit, ± %(pooled_half_width)s, and is always labelled as "
        "pooled. A unit counts as shown when it would be in nearly every wave (its count may "
        "come out lower than expected), at a mean %(centred)s points from the scale's midpoint."
    ): (
        "Avec ε = %(epsilon)s par personne par an sur %(waves)s vagues (%(mechanism)s) et "
        "%(participation)s %% de participation, la moyenne d’une unité est affichée quand son "
        "nombre bruité atteint %(min_count)s et que son intervalle à 95 %% prévu reste dans "
        "± %(half_width)s; une moyenne sur 4 vagues a sa propre limite, "
        "± %(pooled_half_width)s, et est toujours signalée comme moyenne sur plusieurs vagues. "
        "Une unité compte comme affichée quand elle le serait dans presque chaque vague (son "
        "nombre peut être plus bas que prévu), pour une moyenne à %(centred)s points du milieu "
        "de l’échelle."
    ),
    (
        "<strong>The policy's shares:</strong> %(means)s of %(units)s units would show every "
        "scale mean each wave, %(headlines)s their headline means each wave, %(pooled)s their "
        "headline means pooled over 4 waves, and %(counts)s their counts."
    ): (
        "<strong>Les parts de la politique :</strong> %(means)s unités sur %(units)s "
        "afficheraient toutes les moyennes des échelles à chaque vague, %(headlines)s leurs "
        "moyennes de l’échelle principale à chaque vague, %(pooled)s leurs moyennes de "
        "l’échelle principale sur 4 vagues, et %(counts)s leurs nombres."
    ),
    (
        "<strong>Best plan found</strong> (shares %(shares)s; measuring %(statistics)s): "
        "%(means)s, %(headlines)s, %(pooled)s and %(counts)s."
    ): (
        "<strong>Meilleur plan trouvé</strong> (parts %(shares)s; mesures %(statistics)s) : "
        "%(means)s, %(headlines)s, %(pooled)s et %(counts)s."
    ),
    (
        "Units that are not shown still count in their parents: their people are reported one "
        "level up. A new program starts from the best plan (shares and what each level "
        "measures: headline means, every scale's means, bands, item histograms) for its tree at "
        "60%% participation; to change it, edit the shares and statistics per level on the "
        '<a href="/console/programs/%(program)s">program page</a> before the first wave opens.'
    ): (
        "Les unités non affichées comptent quand même dans leurs parents : leurs membres sont "
        "comptés un niveau plus haut. Un nouveau programme part du meilleur plan (parts et ce "
        "que mesure chaque niveau : moyennes de l’échelle principale, moyennes de chaque "
        "échelle, tranches, histogrammes des questions) pour son arbre à 60 %% de "
        "participation; pour le changer, modifiez les parts et les statistiques par niveau sur "
        'la <a href="/console/programs/%(program)s">page du programme</a> avant l’ouverture de '
        "la première vague."
    ),
    "By level of the tree": "Par niveau de l’arbre",
    "Publishable units per level": "Unités publiables par niveau",
    "Publishable units per level, with the policy's shares and the best shares": (
        "Unités publiables par niveau, avec les parts de la politique et les meilleures parts"
    ),
    "Policy share": "Part de la politique",
    "Measures": "Mesures",
    "Means shown": "Moyennes affichées",
    "Best share": "Meilleure part",
    "nothing": "rien",
    "Units with the policy's shares": "Unités avec les parts de la politique",
    "Predicted intervals and publish decisions with the policy level shares": (
        "Intervalles prévus et décisions de publication avec les parts par niveau de la politique"
    ),
    "Units with the best shares": "Unités avec les meilleures parts",
    "Predicted intervals and publish decisions with the best level shares found": (
        "Intervalles prévus et décisions de publication avec les meilleures parts par niveau "
        "trouvées"
    ),
    # service/privacy/advice.py (the planner's advice)
    "level %(level)s (%(num)s unit of %(people)s people)": (
        "niveau %(level)s (%(num)s unité de %(people)s personnes)"
    ),
    "level %(level)s (%(num)s units of %(people)s people)": (
        "niveau %(level)s (%(num)s unités de %(people)s personnes)"
    ),
    (
        "With the shares given, no unit at %(level)s would have publishable scale means at "
        "ε = %(epsilon)s per year and %(participation)s participation."
    ): (
        "Avec les parts données, aucune unité au %(level)s n’aurait de moyennes d’échelle "
        "publiables à ε = %(epsilon)s par an et %(participation)s de participation."
    ),
    (
        "With the policy's level shares, no unit at %(level)s would have publishable scale "
        "means at ε = %(epsilon)s per year and %(participation)s participation."
    ): (
        "Avec les parts par niveau de la politique, aucune unité au %(level)s n’aurait de "
        "moyennes d’échelle publiables à ε = %(epsilon)s par an et %(participation)s de "
        "participation."
    ),
    "The shares given are already the best this search found.": (
        "Les parts données sont déjà les meilleures que cette recherche a trouvées."
    ),
    "The policy's level shares are already the best this search found.": (
        "Les parts par niveau de la politique sont déjà les meilleures que cette recherche a "
        "trouvées."
    ),
    (
        "Level shares [%(shares)s], measuring [%(measures)s], would make %(num)s unit's scale "
        "means publishable instead of %(current)s (counts: %(best_counts)s instead of "
        "%(current_counts)s); the top unit's scale-mean interval would be %(best_width)s points "
        "instead of %(current_width)s."
    ): (
        "Les parts par niveau [%(shares)s], mesurant [%(measures)s], rendraient publiables les "
        "moyennes d’échelle de %(num)s unité au lieu de %(current)s (nombres : %(best_counts)s "
        "au lieu de %(current_counts)s); l’intervalle de la moyenne d’échelle de l’unité du "
        "sommet serait de %(best_width)s points au lieu de %(current_width)s."
    ),
    (
        "Level shares [%(shares)s], measuring [%(measures)s], would make %(num)s units' scale "
        "means publishable instead of %(current)s (counts: %(best_counts)s instead of "
        "%(current_counts)s); the top unit's scale-mean interval would be %(best_width)s points "
        "instead of %(current_width)s."
    ): (
        "Les parts par niveau [%(shares)s], mesurant [%(measures)s], rendraient publiables les "
        "moyennes d’échelle de %(num)s unités au lieu de %(current)s (nombres : %(best_counts)s "
        "au lieu de %(current_counts)s); l’intervalle de la moyenne d’échelle de l’unité du "
        "sommet serait de %(best_width)s points au lieu de %(current_width)s."
    ),
    (
        "Level shares [%(shares)s], measuring [%(measures)s], would publish as many scale means "
        "(%(units)s) and %(best_counts)s counts instead of %(current_counts)s; the top unit's "
        "scale-mean interval would be %(best_width)s points instead of %(current_width)s."
    ): (
        "Les parts par niveau [%(shares)s], mesurant [%(measures)s], publieraient autant de "
        "moyennes d’échelle (%(units)s) et %(best_counts)s nombres au lieu de "
        "%(current_counts)s; l’intervalle de la moyenne d’échelle de l’unité du sommet serait "
        "de %(best_width)s points au lieu de %(current_width)s."
    ),
    (
        "Level shares [%(shares)s], measuring [%(measures)s], would publish as many units; the "
        "top unit's scale-mean interval would be %(best_width)s points instead of "
        "%(current_width)s."
    ): (
        "Les parts par niveau [%(shares)s], mesurant [%(measures)s], publieraient autant "
        "d’unités; l’intervalle de la moyenne d’échelle de l’unité du sommet serait de "
        "%(best_width)s points au lieu de %(current_width)s."
    ),
    (
        "Spend nothing on %(level)s: at this budget measuring them costs more than it gains; "
        "their responses are reported through their parents and, where measured, their "
        "children."
    ): (
        "Ne dépensez rien pour le %(level)s : à ce budget, les mesurer coûte plus que cela ne "
        "rapporte; leurs réponses sont comptées dans leurs parents et, là où ils sont mesurés, "
        "dans leurs enfants."
    ),
    (
        "Spend nothing on %(level)s: at this budget measuring them costs more than it gains; "
        "their responses are reported only through their parents."
    ): (
        "Ne dépensez rien pour le %(level)s : à ce budget, les mesurer coûte plus que cela ne "
        "rapporte; leurs réponses ne sont comptées que dans leurs parents."
    ),
    "Wave %(seq)s is %(status)s: only a scheduled wave can be opened.": (
        "La vague %(seq)s est %(status)s : seule une vague programmée peut être ouverte."
    ),
    "Wave %(seq)s is %(status)s: only an open wave can be closed.": (
        "La vague %(seq)s est %(status)s : seule une vague ouverte peut être fermée."
    ),
    "Wave %(seq)s is %(status)s: only a closed wave can be released.": (
        "La vague %(seq)s est %(status)s : seule une vague fermée peut être publiée."
    ),
}
