"""French for the crews' page ("you said, we did"), its handout page and its PDF."""

FR: dict[str, str] = {
    # crews/_report.html and service/crews/service.py
    "You said, we did": "Vous avez parlé, nous avons agi",
    "no released wave yet": "aucune vague publiée pour l'instant",
    "wave %(seq)s, closed %(date)s": "vague %(seq)s, fermée le %(date)s",
    "What the survey showed": "Ce que l'enquête a montré",
    "%(unit)s was not part of this wave.": "%(unit)s ne faisait pas partie de cette vague.",
    "There are no results to show for this wave yet.": (
        "Il n'y a pas encore de résultats à afficher pour cette vague."
    ),
    "Who answered: %(people)s. Thank you.": "Qui a répondu : %(people)s. Merci.",
    "not shown: %(reason)s": "non affiché : %(reason)s",
    "%(value)s on a scale of %(low)s to %(high)s": (
        "%(value)s sur une échelle de %(low)s à %(high)s"
    ),
    "%(value)s on a scale of %(low)s to %(high)s, likely between %(lower)s and %(upper)s": (
        "%(value)s sur une échelle de %(low)s à %(high)s, probablement entre %(lower)s et %(upper)s"
    ),
    "Since wave %(seq)s:": "Depuis la vague %(seq)s :",
    "What leadership is doing about it": "Ce que la direction fait à ce sujet",
    "began %(date)s · led by %(owner)s": "commencée le %(date)s · menée par %(owner)s",
    "began %(date)s": "commencée le %(date)s",
    "%(scale)s since it began: %(verdict)s: %(change)s.": (
        "%(scale)s depuis son début : %(verdict)s : %(change)s."
    ),
    "%(scale)s since it began: %(change)s.": "%(scale)s depuis son début : %(change)s.",
    "Your leaders have not recorded an action here yet.": (
        "Vos responsables n'ont encore enregistré aucune action ici."
    ),
    "Help and contacts": "Aide et contacts",
    "About these numbers": "À propos de ces chiffres",
    "Nobody can see how one person answered. Every number is an estimate: a small, measured "
    "amount of random noise is added before anything is shown, and the range says where the "
    "true value most likely lies. A change is called better or worse only when it is larger "
    "than that noise. Results for groups too small to show still count in the units above.": (
        "Personne ne peut voir comment une personne a répondu. Chaque chiffre est une "
        "estimation : une petite quantité mesurée de bruit aléatoire est ajoutée avant tout "
        "affichage, et l'intervalle indique où se trouve le plus probablement la vraie valeur. "
        "Un changement n'est dit mieux ou moins bien que s'il est plus grand que le bruit. Les "
        "résultats des groupes trop petits pour être affichés comptent quand même dans les "
        "unités au-dessus."
    ),
    # crews/public.html
    "You said, we did · %(unit)s": "Vous avez parlé, nous avons agi · %(unit)s",
    "Download the handout (PDF, A4)": "Télécharger la fiche (PDF, A4)",
    "PDF, US Letter": "PDF, format lettre US",
    # crews/handout.html and service/crews/controller.py
    "Handout · %(unit)s": "Fiche · %(unit)s",
    "Breadcrumb": "Fil d'Ariane",
    "Handout": "Fiche",
    "Download as PDF (A4)": "Télécharger en PDF (A4)",
    "Or print this page from your browser: it is laid out for one or two pages.": (
        "Ou imprimez cette page depuis votre navigateur : elle tient sur une ou deux pages."
    ),
    "Scores with their ranges": "Scores et leurs intervalles",
    "Scores of %(unit)s": "Scores de %(unit)s",
    "Scores of %(unit)s, %(wave)s": "Scores de %(unit)s, %(wave)s",
    "Scale": "Échelle",
    "Score (95%% range)": "Score (intervalle à 95 %%)",
    "Change since wave %(seq)s": "Évolution depuis la vague %(seq)s",
    "Change since the wave before": "Évolution depuis la vague précédente",
    "Change": "Évolution",
    "Open the crews' page from the unit's dashboard and try again.": (
        "Ouvrez la page des équipes depuis le tableau de bord de l'unité, puis réessayez."
    ),
    # service/crews/handout.py: the PDF
    "Who answered: %(people)s.": "Qui a répondu : %(people)s.",
    "No results for this wave yet.": "Pas encore de résultats pour cette vague.",
    "Score (95% range)": "Score (intervalle à 95 %)",
    "What leadership is doing": "Ce que fait la direction",
    "Nothing recorded yet for this unit.": "Rien d'enregistré pour cette unité pour l'instant.",
    "Began %(date)s - led by %(owner)s": "Début le %(date)s - menée par %(owner)s",
    "Began %(date)s": "Début le %(date)s",
    "%(scale)s: %(before)s before, %(after)s after; change %(change)s, %(verdict)s.": (
        "%(scale)s : %(before)s avant, %(after)s après ; changement %(change)s, %(verdict)s."
    ),
    "%(scale)s: %(before)s before, %(after)s after; change %(change)s.": (
        "%(scale)s : %(before)s avant, %(after)s après ; changement %(change)s."
    ),
    "What these numbers mean": "Ce que ces chiffres veulent dire",
    "Ranges: 3.4 (3.2-3.6) means our best estimate is 3.4 and the true value lies between 3.2 "
    "and 3.6 with 95% confidence.": (
        "Intervalles : 3.4 (3.2-3.6) signifie que notre meilleure estimation est 3.4 et que la "
        "vraie valeur se situe entre 3.2 et 3.6 avec une confiance de 95 %."
    ),
    "Noise: before anything is shown, a small, measured amount of random noise is added, so "
    "nobody can work out how one person answered. The ranges already include it.": (
        "Bruit : avant tout affichage, une petite quantité mesurée de bruit aléatoire est "
        "ajoutée, pour que personne ne puisse déduire comment une personne a répondu. Les "
        "intervalles en tiennent déjà compte."
    ),
    "Small units roll up: a value with too few responses is not shown; those answers still "
    "count in the units above.": (
        "Les petites unités sont regroupées : une valeur avec trop peu de réponses n'est pas "
        "affichée ; ces réponses comptent quand même dans les unités au-dessus."
    ),
    "Changes: a change is called better or worse only when its range excludes zero, that is "
    "when it is larger than the noise.": (
        "Changements : un changement n'est dit mieux ou moins bien que si son intervalle exclut "
        "zéro, c'est-à-dire s'il est plus grand que le bruit."
    ),
}
