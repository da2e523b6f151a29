"""French for the dashboard's pages: the overview, a unit, its questions, what the numbers
mean, the actions pages, the crews' page as leaders see it, and the participation estimate
they share with the console. The words the dashboard's Python writes (charts, summaries,
verdicts, why a value is hidden) are in fr_dashboard_charts.py.

Sorted by where each message appears."""

FR: dict[str, str] = {
    # The dashboard's pages: the overview, a unit, its questions
    "Dashboard: %(unit)s": "Tableau de bord : %(unit)s",
    "Dashboard": "Tableau de bord",
    "Breadcrumb": "Fil d'Ariane",
    "Scores in wave %(seq)s": "Scores de la vague %(seq)s",
    (
        'Responses: %(participation)s. <a href="%(link)s">Open the unit page for trends '
        "and details</a>."
    ): (
        'Réponses : %(participation)s. <a href="%(link)s">Ouvrir la page de l\'unité pour '
        "les tendances et le détail</a>."
    ),
    "Scores of %(unit)s in wave %(seq)s": "Scores de %(unit)s à la vague %(seq)s",
    "Units compared": "Unités comparées",
    "Units of %(unit)s compared": "Unités de %(unit)s comparées",
    "Participation": "Participation",
    "Not part of wave %(seq)s": "Ne fait pas partie de la vague %(seq)s",
    (
        "%(unit)s was added after wave %(seq)s, so that wave has no results for it. Pick a "
        "later wave in the filter."
    ): (
        "L'unité %(unit)s a été ajoutée après la vague %(seq)s : cette vague n'a donc "
        "aucun résultat pour elle. Choisissez une vague plus récente dans le filtre."
    ),
    "Trends": "Tendances",
    (
        "Each scale's mean in every released wave (line) with its 95%% range (shaded), and "
        "the mean of the last waves (dashed, up to four, named by how many it covers), "
        "which smooths the noise."
    ): (
        "La moyenne de chaque échelle à chaque vague publiée (ligne) avec son intervalle à "
        "95 %% (zone ombrée), et la moyenne des dernières vagues (pointillés, jusqu'à "
        "quatre, nommée selon le nombre de vagues qu'elle couvre), qui atténue le bruit."
    ),
    "Bands": "Niveaux",
    (
        "Share of respondents in each band, per wave. The small bar at the end of each "
        "part shows its 95%% range. The shares are adjusted to add up to 100%% after the "
        "noise (from the released values alone, no new measurement)."
    ): (
        "Part des répondants dans chaque niveau, par vague. La petite barre au bout de "
        "chaque partie montre son intervalle à 95 %%. Les parts sont ajustées pour "
        "totaliser 100 %% après le bruit (à partir des seules valeurs publiées, sans "
        "nouvelle mesure)."
    ),
    "Participation over time": "Participation au fil du temps",
    "How people answered each question": "Comment les personnes ont répondu à chaque question",
    ('<a href="%(link)s">See how people in %(unit)s answered each question in wave %(seq)s</a>.'): (
        '<a href="%(link)s">Voir comment les personnes de %(unit)s ont répondu à chaque '
        "question de la vague %(seq)s</a>."
    ),
    (
        "Answers to single questions are released only for the top levels of the "
        "organisation, when enough people answered. See the units above for them."
    ): (
        "Les réponses à chaque question ne sont publiées que pour les niveaux supérieurs "
        "de l'organisation, quand assez de personnes ont répondu. Consultez les unités "
        "au-dessus."
    ),
    "%(unit)s: questions": "%(unit)s : questions",
    "Questions": "Questions",
    "%(unit)s: how people answered": "%(unit)s : comment les personnes ont répondu",
    "No answers to single questions for this unit": "Aucune réponse par question pour cette unité",
    (
        "Answers to single questions are released only for the top levels of the "
        "organisation, when enough people answered. See the units above for them, or <a "
        'href="%(link)s">go back to %(unit)s</a>.'
    ): (
        "Les réponses à chaque question ne sont publiées que pour les niveaux supérieurs "
        "de l'organisation, quand assez de personnes ont répondu. Consultez les unités "
        'au-dessus, ou <a href="%(link)s">revenez à %(unit)s</a>.'
    ),
    # Pieces every dashboard page shares (dashboard/_macros.html)
    "Show the numbers as a table": "Afficher les chiffres sous forme de tableau",
    "Table: %(title)s": "Tableau : %(title)s",
    "Filters": "Filtres",
    "Change program, wave or scale": "Changer de programme, de vague ou d'échelle",
    "(now: wave %(seq)s, one scale)": "(actuellement : vague %(seq)s, une échelle)",
    "(now: wave %(seq)s, all scales)": "(actuellement : vague %(seq)s, toutes les échelles)",
    "Program": "Programme",
    "Show program": "Afficher le programme",
    "Wave": "Vague",
    "Scale": "Échelle",
    "All scales": "Toutes les échelles",
    "Show": "Afficher",
    "<strong>Wave %(seq)s</strong>, closed %(date)s.": (
        "<strong>Vague %(seq)s</strong>, clôturée le %(date)s."
    ),
    "Every number is an estimate with its 95%% range in brackets.": (
        "Chaque nombre est une estimation, avec son intervalle à 95 %% entre parenthèses."
    ),
    (
        "Showing the latest wave with results: wave %(waves)s was released with too few "
        "answers to show scores."
    ): (
        "Affichage de la dernière vague avec des résultats : la vague %(waves)s a été "
        "publiée avec trop peu de réponses pour afficher des scores."
    ),
    (
        "Showing the latest wave with results: waves %(waves)s were released with too few "
        "answers to show scores."
    ): (
        "Affichage de la dernière vague avec des résultats : les vagues %(waves)s ont été "
        "publiées avec trop peu de réponses pour afficher des scores."
    ),
    "Wave %(seq)s closes on %(date)s; its results appear after its release.": (
        "La vague %(seq)s se clôture le %(date)s; ses résultats paraîtront après sa publication."
    ),
    (
        "<strong>Unverified wave.</strong> This wave used an open link, so one person "
        "could have answered more than once. Read these numbers with that in mind."
    ): (
        "<strong>Vague non vérifiée.</strong> Cette vague a utilisé un lien ouvert : une "
        "même personne a donc pu répondre plus d'une fois. Lisez ces chiffres en gardant "
        "cela en tête."
    ),
    "No survey covers your units yet": "Aucune enquête ne couvre encore vos unités",
    (
        "When a coordinator runs a survey program that includes your units, its results "
        "appear here after the first wave is released."
    ): (
        "Quand un coordonnateur lance un programme d'enquête qui inclut vos unités, ses "
        "résultats apparaissent ici après la publication de la première vague."
    ),
    "No results yet": "Pas encore de résultats",
    (
        "%(program)s has no released wave yet. Results appear here once a wave has closed "
        "and been released; the next wave closes on %(date)s."
    ): (
        "%(program)s n'a encore aucune vague publiée. Les résultats apparaissent ici une "
        "fois qu'une vague est clôturée et publiée; la prochaine vague se clôture le "
        "%(date)s."
    ),
    (
        "%(program)s has no released wave yet. Results appear here once a wave has closed "
        "and been released."
    ): (
        "%(program)s n'a encore aucune vague publiée. Les résultats apparaissent ici une "
        "fois qu'une vague est clôturée et publiée."
    ),
    "Nothing to show": "Rien à afficher",
    "This program covers no unit you may see.": (
        "Ce programme ne couvre aucune unité que vous pouvez voir."
    ),
    "Mean (95%% range)": "Moyenne (intervalle à 95 %%)",
    "Change since wave %(seq)s": "Évolution depuis la vague %(seq)s",
    "Change since the wave before": "Évolution depuis la vague précédente",
    "Change": "Évolution",
    "Open a unit to drill down.": "Ouvrez une unité pour voir le détail.",
    "Unit": "Unité",
    "higher is better": "plus élevé, c'est mieux",
    "higher is worse": "plus élevé, c'est moins bien",
    "all units below, together": "toutes les unités en dessous, ensemble",
    "Less favourable": "Moins favorable",
    "More favourable": "Plus favorable",
    "hidden (the cell says why)": "masqué (la case dit pourquoi)",
    "What these numbers mean": "Ce que ces chiffres veulent dire",
    (
        "<strong>Ranges.</strong> <em>3.4 (3.2–3.6)</em> means our best estimate is 3.4, "
        "and the true value is between 3.2 and 3.6 with 95%% confidence. Scores run from 1 "
        "to 5."
    ): (
        "<strong>Intervalles.</strong> <em>3.4 (3.2–3.6)</em> signifie que notre meilleure "
        "estimation est 3.4 et que la vraie valeur se situe entre 3.2 et 3.6 avec une "
        "confiance de 95 %%. Les scores vont de 1 à 5."
    ),
    (
        "<strong>Noise.</strong> Before anything is shown, a small, measured amount of "
        "random noise is added, so nobody can work out how one person answered. The ranges "
        "already include it."
    ): (
        "<strong>Bruit.</strong> Avant tout affichage, une petite quantité mesurée de "
        "bruit aléatoire est ajoutée, pour que personne ne puisse deviner comment une "
        "personne a répondu. Les intervalles en tiennent déjà compte."
    ),
    (
        "<strong>Small units roll up.</strong> When a unit is too small for a clear "
        "number, it shows “too few responses to show” (or “too uncertain to show” when its "
        "range is too wide). Its answers still count in the units above it."
    ): (
        "<strong>Les petites unités sont regroupées.</strong> Quand une unité est trop "
        "petite pour un chiffre clair, elle affiche « trop peu de réponses pour l'afficher "
        "» (ou « trop incertain pour l'afficher » quand son intervalle est trop large). "
        "Ses réponses comptent quand même dans les unités au-dessus d'elle."
    ),
    (
        "<strong>Changes.</strong> A change is flagged (▲ up or ▼ down) only when its "
        "range excludes zero: when it is larger than the noise. The words say whether it "
        "is better or worse, since for some scales (stigma, stress) a higher score is bad "
        "news."
    ): (
        "<strong>Évolutions.</strong> Une évolution est signalée (▲ hausse ou ▼ baisse) "
        "seulement quand son intervalle exclut zéro : quand elle est plus grande que le "
        "bruit. Les mots disent si c'est mieux ou moins bien, car pour certaines échelles "
        "(stigmatisation, stress) un score plus élevé est une mauvaise nouvelle."
    ),
    (
        "<strong>Privacy budget.</strong> Each release spends some privacy, measured as ε "
        "(epsilon); smaller means more protection."
    ): (
        "<strong>Budget de confidentialité.</strong> Chaque publication dépense un peu de "
        "confidentialité, mesurée par ε (epsilon); plus il est petit, plus la protection "
        "est forte."
    ),
    (
        "This program promises each person at most ε = %(cap)s over any 365 days, from "
        "every program that covers them, planned as %(waves)s waves a year (one wave on "
        "its own: ε ≈ %(per_wave)s)."
    ): (
        "Ce programme promet à chaque personne au plus ε = %(cap)s sur toute période de "
        "365 jours, tous les programmes qui la couvrent confondus, prévu pour %(waves)s "
        "vagues par an (une vague seule : ε ≈ %(per_wave)s)."
    ),
    (
        '<a href="/dashboard/about">More about these numbers</a> · the full privacy model '
        "is in <code>docs/privacy.md</code> in the Muster repository."
    ): (
        '<a href="/dashboard/about">En savoir plus sur ces chiffres</a> · le modèle de '
        "confidentialité complet se trouve dans <code>docs/privacy.md</code> du dépôt "
        "Muster."
    ),
    # About these numbers (dashboard/about.html)
    "What you see": "Ce que vous voyez",
    (
        "After a survey round (a <em>wave</em>) closes, Muster computes one "
        "<em>release</em> for the whole organisation. The privacy budget is spent on what "
        "leaders read at each level, as the program's plan says: at the top, every scale's "
        "average score (1 to 5), the share of people in each band (for example “low / "
        "moderate / high stigma”) and how people answered each question; in the middle "
        "(battalions, with the default plan) every scale's average; in the smallest units "
        "measured (stations) the averages of each survey's headline scales, shown as an "
        "average over the last four waves where one wave alone is too uncertain. Every "
        "number comes with a range: <em>3.4 (3.2–3.6)</em> means “our best estimate is "
        "3.4, and the true value for this unit is between 3.2 and 3.6 with 95%% "
        "confidence”."
    ): (
        "Après la clôture d'un cycle d'enquête (une <em>vague</em>), Muster calcule une "
        "seule <em>publication</em> pour toute l'organisation. Le budget de "
        "confidentialité est dépensé pour ce que les responsables lisent à chaque niveau, "
        "selon le plan du programme : au sommet, le score moyen de chaque échelle (1 à 5), "
        "la part des personnes dans chaque niveau (par exemple « stigmatisation faible / "
        "modérée / élevée ») et la façon dont les personnes ont répondu à chaque question; "
        "au milieu (les bataillons, avec le plan par défaut), la moyenne de chaque "
        "échelle; dans les plus petites unités mesurées (les casernes), les moyennes des "
        "échelles principales de chaque questionnaire, affichées comme une moyenne sur les "
        "quatre dernières vagues là où une vague seule est trop incertaine. Chaque nombre "
        "est accompagné d'un intervalle : <em>3.4 (3.2–3.6)</em> veut dire « notre "
        "meilleure estimation est 3.4, et la vraie valeur pour cette unité se situe entre "
        "3.2 et 3.6 avec une confiance de 95 %% »."
    ),
    "Why the numbers are a little noisy": "Pourquoi les chiffres sont un peu bruités",
    (
        "Before anything is released, Muster adds a small, carefully measured amount of "
        "random noise to every total. The noise is large enough that nobody can work out "
        "how one person answered — not by comparing two stations, not by comparing this "
        "quarter with last quarter, not by knowing how everyone else answered — and small "
        "enough that, for a battalion or a department, the picture is clear. The ranges "
        "already include the noise: a range is honest about how sure we are."
    ): (
        "Avant toute publication, Muster ajoute à chaque total une petite quantité de "
        "bruit aléatoire, soigneusement mesurée. Le bruit est assez grand pour que "
        "personne ne puisse deviner comment une personne a répondu — ni en comparant deux "
        "casernes, ni en comparant ce trimestre au précédent, ni en sachant comment tous "
        "les autres ont répondu — et assez petit pour que, pour un bataillon ou un "
        "service, le portrait soit clair. Les intervalles tiennent déjà compte du bruit : "
        "un intervalle dit honnêtement à quel point nous sommes sûrs."
    ),
    "Why small units “roll up”": "Pourquoi les petites unités sont « regroupées »",
    (
        "For a shift of eight people, the noise needed to protect each person is about as "
        "large as the shift itself. Rather than show a number that means nothing, Muster "
        "marks the unit <em>too few responses to show</em> (or, when its count is shown "
        "but an average's range is too wide, <em>too uncertain to show</em>), and its "
        "answers still count in its station, battalion and department. Whether a number is "
        "shown is decided from the unit's public headcount and the plan, plus the noisy "
        "response count for averages — never from the true count, and never from the noise "
        "of the number shown — so the ranges of what you see are as honest as the rest. "
        "The response count used for that decision is itself noisy and measured separately "
        "from the average it decides on."
    ): (
        "Pour une équipe de huit personnes, le bruit nécessaire pour protéger chacune est "
        "à peu près aussi grand que l'équipe elle-même. Plutôt que d'afficher un nombre "
        "qui ne veut rien dire, Muster marque l'unité <em>trop peu de réponses pour "
        "l'afficher</em> (ou, quand son décompte est affiché mais que l'intervalle d'une "
        "moyenne est trop large, <em>trop incertain pour l'afficher</em>), et ses réponses "
        "comptent quand même dans sa caserne, son bataillon et son service. La décision "
        "d'afficher un nombre repose sur l'effectif public de l'unité et sur le plan, plus "
        "le décompte bruité des réponses pour les moyennes — jamais sur le vrai décompte, "
        "et jamais sur le bruit du nombre affiché — de sorte que les intervalles de ce que "
        "vous voyez sont aussi honnêtes que le reste. Le décompte des réponses utilisé "
        "pour cette décision est lui-même bruité et mesuré séparément de la moyenne qu'il "
        "concerne."
    ),
    "What the privacy budget is": "Ce qu'est le budget de confidentialité",
    (
        "Each release “spends” some privacy, measured by a number called ε (epsilon). "
        "Smaller ε means more noise and stronger protection. The promise is per person "
        "over any 365 days, planned as a number of waves a year that share it, and it "
        "covers a person across every program that surveys them. The cap is enforced: a "
        "release that would go over it is refused."
    ): (
        "Chaque publication « dépense » un peu de confidentialité, mesurée par un nombre "
        "appelé ε (epsilon). Un ε plus petit veut dire plus de bruit et une protection "
        "plus forte. La promesse vaut par personne sur toute période de 365 jours, prévue "
        "pour un nombre de vagues par an qui se la partagent, et elle couvre une personne "
        "dans tous les programmes qui l'interrogent. Le plafond est appliqué : une "
        "publication qui le dépasserait est refusée."
    ),
    (
        "<strong>%(program)s</strong>: at most ε = %(cap)s per person over any 365 days, "
        "planned as %(waves)s waves a year; an average is shown within ± %(half_width)s, a "
        "pooled average within ± %(pooled_half_width)s."
    ): (
        "<strong>%(program)s</strong> : au plus ε = %(cap)s par personne sur toute période "
        "de 365 jours, prévu pour %(waves)s vagues par an; une moyenne est affichée à ± "
        "%(half_width)s près, une moyenne sur plusieurs vagues à ± %(pooled_half_width)s "
        "près."
    ),
    "No program is visible to you yet.": "Aucun programme ne vous est encore visible.",
    (
        "The change since the previous wave is shown with its own range; Muster flags a "
        "change (▲ up or ▼ down) only when the range excludes zero — that is, when it is "
        "larger than the noise — and says in words whether that is better or worse: for "
        "stigma and stress a rise is worse, for trust and safety it is better. Colours "
        "follow the same reading (more favourable, not higher). The <em>pooled</em> "
        "average over the last four released waves has half the noise of one wave. It has "
        "its own limit, listed per program above, wider than a single wave's: it is shown "
        "when its own range is predicted within it, even where one wave's average is not "
        "shown, always labelled as pooled over four waves and with its own range, at no "
        "extra privacy cost."
    ): (
        "L'évolution depuis la vague précédente est affichée avec son propre intervalle; "
        "Muster signale une évolution (▲ hausse ou ▼ baisse) seulement quand l'intervalle "
        "exclut zéro — c'est-à-dire quand elle est plus grande que le bruit — et dit en "
        "mots si c'est mieux ou moins bien : pour la stigmatisation et le stress, une "
        "hausse est moins bien; pour la confiance et la sécurité, c'est mieux. Les "
        "couleurs suivent la même lecture (plus favorable, et non plus élevé). La moyenne "
        "<em>sur plusieurs vagues</em> des quatre dernières vagues publiées a moitié moins "
        "de bruit qu'une vague seule. Elle a sa propre limite, indiquée par programme "
        "ci-dessus, plus large que celle d'une vague seule : elle est affichée quand son "
        "propre intervalle est prévu à l'intérieur de cette limite, même là où la moyenne "
        "d'une vague seule ne l'est pas, toujours présentée comme une moyenne sur quatre "
        "vagues et avec son propre intervalle, sans coût de confidentialité supplémentaire."
    ),
    (
        "The full privacy model, for a privacy reviewer, is in "
        "<code>docs/privacy.md</code> in the Muster repository."
    ): (
        "Le modèle de confidentialité complet, destiné aux spécialistes de la "
        "confidentialité, se trouve dans <code>docs/privacy.md</code> du dépôt Muster."
    ),
    # Participation in an open wave (_participation.html, shared with the console)
    "Participation so far in wave %(seq)s": "Participation jusqu'ici à la vague %(seq)s",
    "Participation so far in %(wave)s": "Participation jusqu'ici : %(wave)s",
    "Participation so far": "Participation jusqu'ici",
    ("The first estimate comes a day after the wave opened; it is refreshed at most once a day."): (
        "La première estimation arrive un jour après l'ouverture de la vague; elle est "
        "mise à jour au plus une fois par jour."
    ),
    (
        "A differentially private estimate, not a count: refreshed at most once a day "
        "(%(done)s of %(planned)s refreshes, last on %(date)s), from a small part of the "
        "wave's privacy budget. Ranges are 95%% intervals, cut at 0%% and 100%% for "
        "display. Units too small for a useful estimate show none; the release replaces "
        "all of this."
    ): (
        "Une estimation à confidentialité différentielle, pas un décompte : mise à jour au "
        "plus une fois par jour (%(done)s mises à jour sur %(planned)s, la dernière le "
        "%(date)s), à partir d'une petite part du budget de confidentialité de la vague. "
        "Les intervalles sont à 95 %%, coupés à 0 %% et à 100 %% pour l'affichage. Les "
        "unités trop petites pour une estimation utile n'en montrent aucune; la "
        "publication remplace tout ceci."
    ),
    (
        "A differentially private estimate, not a count: refreshed at most once a day "
        "(%(done)s of %(planned)s refreshes), from a small part of the wave's privacy "
        "budget. Ranges are 95%% intervals, cut at 0%% and 100%% for display. Units too "
        "small for a useful estimate show none; the release replaces all of this."
    ): (
        "Une estimation à confidentialité différentielle, pas un décompte : mise à jour au "
        "plus une fois par jour (%(done)s mises à jour sur %(planned)s), à partir d'une "
        "petite part du budget de confidentialité de la vague. Les intervalles sont à 95 "
        "%%, coupés à 0 %% et à 100 %% pour l'affichage. Les unités trop petites pour une "
        "estimation utile n'en montrent aucune; la publication remplace tout ceci."
    ),
    "about %(low)s–%(high)s have answered": "environ %(low)s–%(high)s ont répondu",
    "(estimate %(rate)s of %(headcount)s people)": (
        "(estimation : %(rate)s de %(headcount)s personnes)"
    ),
    "too few people for an estimate": "trop peu de personnes pour une estimation",
    # Actions on the unit page (dashboard/_actions.html)
    "Actions and whether they worked": "Les actions et leurs effets",
    (
        "For each action, the change in the scales it aims to move, from the last released "
        "wave before it began to the latest released wave after it, with the 95%% range. "
        "Worked out from the released numbers alone: it uses no privacy budget."
    ): (
        "Pour chaque action, l'évolution des échelles qu'elle vise, de la dernière vague "
        "publiée avant son début à la dernière vague publiée après, avec l'intervalle à 95 "
        "%%. Calculée à partir des seuls chiffres publiés : elle n'utilise aucun budget de "
        "confidentialité."
    ),
    "Mark %(mark)s on the trend charts": "Repère %(mark)s sur les graphiques de tendance",
    "Began %(date)s · led by %(owner)s": "Début le %(date)s · pilotée par %(owner)s",
    "Began %(date)s": "Début le %(date)s",
    "Change since the action: %(title)s": "Évolution depuis l'action : %(title)s",
    "Wave %(seq)s (before)": "Vague %(seq)s (avant)",
    "Wave %(seq)s (after)": "Vague %(seq)s (après)",
    "Change (95%% range)": "Évolution (intervalle à 95 %%)",
    "No action is recorded for %(unit)s in this program yet.": (
        "Aucune action n'est encore enregistrée pour %(unit)s dans ce programme."
    ),
    "Record or change actions for %(unit)s": "Enregistrer ou modifier les actions de %(unit)s",
    "Crews' page: you said, we did": "Page des équipes : vous avez dit, nous avons fait",
    "Printable handout": "Feuillet à imprimer",
    # The actions pages (dashboard/actions.html, action.html, _action_fields.html)
    "Actions · %(unit)s": "Actions · %(unit)s",
    "Actions": "Actions",
    "Actions for %(unit)s": "Actions pour %(unit)s",
    (
        "What leadership is doing about the results. Crews see these on their page; the "
        "unit page shows whether the scales each action aims to move changed by more than "
        "the noise."
    ): (
        "Ce que la direction fait à la suite des résultats. Les équipes les voient sur "
        "leur page; la page de l'unité montre si les échelles visées par chaque action ont "
        "évolué plus que le bruit."
    ),
    "No survey covers %(unit)s": "Aucune enquête ne couvre %(unit)s",
    (
        "Actions are measured against a survey program's scales. Ask your coordinator to "
        "include this unit in a program."
    ): (
        "Les actions sont mesurées sur les échelles d'un programme d'enquête. Demandez à "
        "votre coordonnateur d'inclure cette unité dans un programme."
    ),
    "Recorded in %(program)s": "Enregistrées dans %(program)s",
    "began %(date)s · aims to move %(scales)s · led by %(owner)s": (
        "début le %(date)s · vise %(scales)s · pilotée par %(owner)s"
    ),
    "began %(date)s · aims to move %(scales)s": "début le %(date)s · vise %(scales)s",
    "No action recorded yet.": "Aucune action enregistrée pour l'instant.",
    "Record an action": "Enregistrer une action",
    "Record the action": "Enregistrer l'action",
    "%(action)s · %(unit)s": "%(action)s · %(unit)s",
    "Change an action": "Modifier une action",
    "Save the action": "Enregistrer l'action",
    "Delete this action": "Supprimer cette action",
    (
        "It disappears from the unit page, the charts and the crews' page. The audit log "
        "keeps a record."
    ): (
        "Elle disparaît de la page de l'unité, des graphiques et de la page des équipes. "
        "Le journal d'audit en garde une trace."
    ),
    "Delete the action": "Supprimer l'action",
    "What was done, in a few words": "Ce qui a été fait, en quelques mots",
    "For example: peer-support team launched.": (
        "Par exemple : lancement d'une équipe de soutien par les pairs."
    ),
    "What crews should know about it (optional)": (
        "Ce que les équipes doivent en savoir (facultatif)"
    ),
    "Plain words: what, who, how to take part.": "En mots simples : quoi, qui, comment participer.",
    "Start date": "Date de début",
    "The day it began. Changes are measured from the last wave that closed before it.": (
        "Le jour où elle a commencé. Les évolutions sont mesurées à partir de la dernière "
        "vague clôturée avant cette date."
    ),
    "Scales it aims to move": "Échelles qu'elle vise à faire évoluer",
    "Only scales of this program's surveys.": (
        "Seulement les échelles des questionnaires de ce programme."
    ),
    "Who leads it (optional)": "Qui la pilote (facultatif)",
    "A role or a team, e.g. Peer-support lead. No personal names needed.": (
        "Un rôle ou une équipe, par exemple Responsable du soutien par les pairs. Aucun "
        "nom de personne n'est nécessaire."
    ),
    # The crews' page, leader's side (dashboard/crews.html)
    "Crews' page · %(unit)s": "Page des équipes · %(unit)s",
    "Crews' page": "Page des équipes",
    "Crews' page for %(unit)s": "Page des équipes de %(unit)s",
    (
        "What your crews see: the published results, what leadership is doing, and where "
        "to find help. Share it as a link (no account needed), print it, or pin the "
        "handout on the notice board."
    ): (
        "Ce que voient vos équipes : les résultats publiés, ce que fait la direction et où "
        "trouver de l'aide. Partagez-la par un lien (aucun compte nécessaire), imprimez-la "
        "ou affichez le feuillet au tableau d'affichage."
    ),
    "Share with your crews": "Partager avec vos équipes",
    (
        "<strong>Your new link.</strong> Copy it now: it is shown only once (only a "
        "fingerprint of it is kept)."
    ): (
        "<strong>Votre nouveau lien.</strong> Copiez-le maintenant : il n'est affiché "
        "qu'une fois (seule une empreinte en est conservée)."
    ),
    (
        "Anyone with the link can read this page without signing in. It shows only "
        "published results for %(unit)s, names no one, sets no cookie and is not logged. "
        "Withdraw it at any time."
    ): (
        "Toute personne qui a le lien peut lire cette page sans se connecter. La page ne "
        "montre que les résultats publiés pour %(unit)s, ne nomme personne, ne dépose "
        "aucun cookie et n'est pas journalisée. Vous pouvez retirer le lien à tout moment."
    ),
    "Create a link for wave %(seq)s": "Créer un lien pour la vague %(seq)s",
    "Links in use": "Liens en usage",
    "Link %(id)s, created %(date)s": "Lien %(id)s, créé le %(date)s",
    "Withdraw link %(id)s": "Retirer le lien %(id)s",
    "Printable handout (page and PDF)": "Feuillet à imprimer (page et PDF)",
    "Preview of the crews' page": "Aperçu de la page des équipes",
}
