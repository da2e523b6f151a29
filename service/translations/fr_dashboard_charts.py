"""French for the words the dashboard's Python writes: why a value is hidden, numbers and
verdicts in words, the charts' titles, tables, summaries, axes and legends, and the
problems of an action's form and of the dashboard's filters (the pages' own words are in
fr_dashboard.py).

Sorted by where each message appears."""

FR: dict[str, str] = {
    # Why a value is hidden (dashboard/schemas.py, items.py, charts.py)
    "too few responses to show": "trop peu de réponses pour l'afficher",
    "too uncertain to show": "trop incertain pour l'afficher",
    "measured only for larger units": "mesuré seulement pour les unités plus grandes",
    "too few responses to show — see parent": (
        "trop peu de réponses pour l'afficher — voir l'unité parente"
    ),
    "too uncertain to show — see parent": "trop incertain pour l'afficher — voir l'unité parente",
    "measured only for larger units — see parent": (
        "mesuré seulement pour les unités plus grandes — voir l'unité parente"
    ),
    "not enough responses — see parent": "pas assez de réponses — voir l'unité parente",
    (
        "too uncertain to show (each answer's 95%% range is about ±%(share)s percentage "
        "points of the people who answered; a question's answers are shown only within "
        "±%(limit)s points)"
    ): (
        "trop incertain pour l'afficher (l'intervalle à 95 %% de chaque réponse est "
        "d'environ ±%(share)s points de pourcentage des personnes qui ont répondu; les "
        "réponses à une question ne sont affichées qu'à ±%(limit)s points au plus)"
    ),
    # Numbers in words (dashboard/wording.py)
    "%(num)s-wave rolling mean": "moyenne mobile sur %(num)s vagues",
    "%(num)s-wave mean": "moyenne sur %(num)s vagues",
    "Rolling mean": "Moyenne sur plusieurs vagues",
    "first wave: nothing to compare": "première vague : rien à comparer",
    "no comparison": "aucune comparaison",
    "%(value)s (%(lower)s to %(upper)s)": "%(value)s (%(lower)s à %(upper)s)",
    "better, larger than the noise": "mieux, plus grand que le bruit",
    "worse, larger than the noise": "moins bien, plus grand que le bruit",
    "up, larger than the noise": "en hausse, plus grand que le bruit",
    "down, larger than the noise": "en baisse, plus grand que le bruit",
    "within the noise": "dans le bruit",
    "%(count)s responses": "%(count)s réponses",
    "%(count)s of %(headcount)s staff, about %(rate)s%%": (
        "%(count)s sur %(headcount)s membres du personnel, environ %(rate)s %%"
    ),
    "Wave %(seq)s": "Vague %(seq)s",
    "For this scale, higher is better.": "Pour cette échelle, un score plus élevé est meilleur.",
    "For this scale, higher is worse.": "Pour cette échelle, un score plus élevé est moins bon.",
    # Charts: titles, tables, summaries, axes, legends (views, words, charts, effects)
    "Scores: %(unit)s": "Scores : %(unit)s",
    "Mean (95% range)": "Moyenne (intervalle à 95 %)",
    "Standard error": "Erreur type",
    (
        "Average scores of %(unit)s, each with its 95%% range, on a scale from %(low)s to %(high)s."
    ): (
        "Scores moyens de %(unit)s, chacun avec son intervalle à 95 %%, sur une échelle de "
        "%(low)s à %(high)s."
    ),
    "No score had enough responses to be shown.": (
        "Aucun score n'avait assez de réponses pour être affiché."
    ),
    "%(num)s score(s) not shown; the table says why.": (
        "%(num)s score(s) non affiché(s); le tableau dit pourquoi."
    ),
    "Responses (noisy, with 95% range) against each unit's headcount.": (
        "Réponses (bruitées, avec l'intervalle à 95 %) par rapport à l'effectif de chaque unité."
    ),
    "%(num)s unit(s): not shown; the table says why.": (
        "%(num)s unité(s) : non affichée(s); le tableau dit pourquoi."
    ),
    "headcount": "effectif",
    "responses": "réponses",
    "Responses (95% range)": "Réponses (intervalle à 95 %)",
    "Headcount": "Effectif",
    "Participation (95% range)": "Participation (intervalle à 95 %)",
    "Participation: %(unit)s and its units": "Participation : %(unit)s et ses unités",
    "Responses from %(unit)s in each released wave, against its headcount of %(headcount)s.": (
        "Réponses de %(unit)s à chaque vague publiée, par rapport à son effectif de %(headcount)s."
    ),
    "Participation over time: %(unit)s": "Participation au fil du temps : %(unit)s",
    "Closed": "Fermée",
    "%(scale)s over time": "%(scale)s au fil du temps",
    "%(scale)s in %(unit)s over %(num)s released wave(s). Latest shown, %(wave)s: %(mean)s.": (
        "%(scale)s pour %(unit)s sur %(num)s vague(s) publiée(s). Dernière affichée, "
        "%(wave)s : %(mean)s."
    ),
    "Change since the wave before: %(change)s, %(verdict)s.": (
        "Évolution depuis la vague précédente : %(change)s, %(verdict)s."
    ),
    "%(scale)s in %(unit)s: no wave had enough responses to show it.": (
        "%(scale)s pour %(unit)s : aucune vague n'avait assez de réponses pour l'afficher."
    ),
    "Wave(s) %(waves)s: not shown; the table says why.": (
        "Vague(s) %(waves)s : non affichée(s); le tableau dit pourquoi."
    ),
    "%(mean)s, %(num)s waves": "%(mean)s, %(num)s vagues",
    "mean": "moyenne",
    "95% range": "intervalle à 95 %",
    "wave closing date · scale %(low)s–%(high)s": "clôture de la vague · échelle %(low)s–%(high)s",
    "wave closing date · scale %(low)s–%(high)s, shown %(shown_low)s–%(shown_high)s": (
        "clôture de la vague · échelle %(low)s–%(high)s, affichée %(shown_low)s–%(shown_high)s"
    ),
    "%(mark)s: %(title)s (began %(date)s)": "%(mark)s : %(title)s (début le %(date)s)",
    "Actions marked on the time axis: %(actions)s.": (
        "Actions marquées sur l'axe du temps : %(actions)s."
    ),
    "No released wave closed before this action began, so there is no baseline.": (
        "Aucune vague publiée ne s'est clôturée avant le début de cette action : il n'y a "
        "donc pas de point de départ."
    ),
    (
        "No wave has been released since it began on %(date)s: the change shows once the "
        "next wave is released."
    ): (
        "Aucune vague n'a été publiée depuis son début le %(date)s : l'évolution "
        "apparaîtra quand la prochaine vague sera publiée."
    ),
    "%(scale)s: bands": "%(scale)s : niveaux",
    "Share of respondents of %(unit)s in each band of %(scale)s, per wave.": (
        "Part des répondants de %(unit)s dans chaque niveau de l'échelle « %(scale)s », par vague."
    ),
    "This wave": "Cette vague",
    "The selected wave: not shown; the table says why.": (
        "La vague choisie : non affichée; le tableau dit pourquoi."
    ),
    (
        "The shares are adjusted to add up to 100% after the noise, from the released values alone."
    ): (
        "Les parts sont ajustées pour totaliser 100 % après le bruit, à partir des seules "
        "valeurs publiées."
    ),
    "The mean of %(scale)s is not shown in this wave: %(reason)s.": (
        "La moyenne de %(scale)s n'est pas affichée pour cette vague : %(reason)s."
    ),
    "orange: less favourable · purple: more favourable": (
        "orange : moins favorable · violet : plus favorable"
    ),
    "%(unit)s (parent)": "%(unit)s (unité parente)",
    "%(unit)s (parent; all you see)": "%(unit)s (unité parente; tout ce que vous voyez)",
    "%(unit)s (all you see)": "%(unit)s (tout ce que vous voyez)",
    "%(unit)s (organisation)": "%(unit)s (organisation)",
    "%(unit)s compared": "Comparaison : %(unit)s",
    "Answer": "Réponse",
    "People (95% range)": "Personnes (intervalle à 95 %)",
    "How people in %(unit)s answered is not shown: %(reason)s.": (
        "Les réponses des personnes de %(unit)s ne sont pas affichées : %(reason)s."
    ),
    (
        "How people in %(unit)s answered (noisy counts with 95%% ranges). Most common "
        "answer: %(answer)s, %(count)s; its range lies above every other answer's."
    ): (
        "Comment les personnes de %(unit)s ont répondu (décomptes bruités avec intervalles "
        "à 95 %%). Réponse la plus fréquente : %(answer)s, %(count)s; son intervalle est "
        "au-dessus de celui de toutes les autres réponses."
    ),
    (
        "How people in %(unit)s answered (noisy counts with 95%% ranges). No answer is "
        "clearly the most common: the ranges of the top answers overlap."
    ): (
        "Comment les personnes de %(unit)s ont répondu (décomptes bruités avec intervalles "
        "à 95 %%). Aucune réponse n'est clairement la plus fréquente : les intervalles des "
        "réponses en tête se chevauchent."
    ),
    "no comparison with wave %(seq)s released": "aucune comparaison avec la vague %(seq)s publiée",
    (
        "Mean score of each unit under %(unit)s (rows) on each scale (columns), coloured "
        "by how favourable it is: darker for less favourable scores, lighter for more "
        "favourable ones (a lower score is the favourable one where higher is worse); the "
        "number is printed in every cell."
    ): (
        "Score moyen de chaque unité sous %(unit)s (lignes) pour chaque échelle "
        "(colonnes), en couleur selon qu'il est favorable : plus foncé pour les scores "
        "moins favorables, plus clair pour les plus favorables (le score favorable est le "
        "plus bas quand un score plus élevé est moins bon); le nombre est écrit dans "
        "chaque case."
    ),
    (
        "%(shown)s of %(total)s cells had enough responses; the others say why they are "
        "hidden: their answers still count in %(unit)s."
    ): (
        "%(shown)s cases sur %(total)s avaient assez de réponses; les autres disent "
        "pourquoi elles sont masquées : leurs réponses comptent quand même dans %(unit)s."
    ),
    "%(shown)s of %(total)s cells had enough responses.": (
        "%(shown)s cases sur %(total)s avaient assez de réponses."
    ),
    "step %(step)s of %(steps)s towards more favourable": (
        "degré %(step)s sur %(steps)s vers plus favorable"
    ),
    "%(wave)s (closed %(date)s)": "%(wave)s (clôturée le %(date)s)",
    # Problems with an action's form (actions/pages.py, actions/service.py)
    "Enter the day the action began, e.g. 2031-02-01.": (
        "Indiquez le jour où l'action a commencé, par exemple 2031-02-01."
    ),
    "Tick at least one scale the action aims to move.": (
        "Cochez au moins une échelle que l'action vise à faire évoluer."
    ),
    "No survey program covers this unit: there is nothing to measure against.": (
        "Aucun programme d'enquête ne couvre cette unité : il n'y a rien à quoi comparer."
    ),
    "There is no program %(id)s covering this unit. Pick one from the list.": (
        "Aucun programme %(id)s ne couvre cette unité. Choisissez-en un dans la liste."
    ),
    "the program '%(name)s' does not cover this unit": (
        "le programme « %(name)s » ne couvre pas cette unité"
    ),
    "'%(key)s' is not a scale of the program's instruments": (
        "« %(key)s » n'est pas une échelle des questionnaires du programme"
    ),
    (
        "Pick a program that covers the unit and scales of its instruments, then send the "
        "action again."
    ): (
        "Choisissez un programme qui couvre l'unité et des échelles de ses questionnaires, "
        "puis envoyez l'action de nouveau."
    ),
    # Problems with the dashboard's filters (dashboard/service.py)
    "There is no program %(id)s. Open the dashboard to pick a program.": (
        "Il n'y a pas de programme %(id)s. Ouvrez le tableau de bord pour choisir un programme."
    ),
    "This program does not cover this unit. Pick another program.": (
        "Ce programme ne couvre pas cette unité. Choisissez un autre programme."
    ),
    "the program does not cover this unit": "le programme ne couvre pas cette unité",
    (
        "Wave %(id)s is not a released wave of the program '%(program)s'. Pick one of the "
        "released waves in the filter."
    ): (
        "La vague %(id)s n'est pas une vague publiée du programme « %(program)s ». "
        "Choisissez l'une des vagues publiées dans le filtre."
    ),
    "No released wave of this program measured that scale. Pick one from the filter.": (
        "Aucune vague publiée de ce programme n'a mesuré cette échelle. Choisissez-en une "
        "dans le filtre."
    ),
    "unknown scale for this program": "échelle inconnue pour ce programme",
    "No unit has the id %(id)s. Open the dashboard to pick a unit.": (
        "Aucune unité n'a l'identifiant %(id)s. Ouvrez le tableau de bord pour choisir une unité."
    ),
}
