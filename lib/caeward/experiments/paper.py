"""The paper's reported numbers (Park & Ko 2020, Table 1), labelled as the paper's.

These are quoted from the paper, never measured here; chapters show them beside
this project's measurements. ACC and NMI in percent.
"""

__all__ = ["TABLE1", "N2D"]

#: Table 1 of the paper: method -> dataset -> {"acc", "nmi"} in %, or None where
#: the paper gives no number. Keys are the runner's method names where one exists.
TABLE1 = {
    "pixels-kmeans": {"mnist-full": {"acc": 54.24, "nmi": 48.52},
                      "mnist-test": {"acc": 54.63, "nmi": 50.18}},
    "sec": {"mnist-full": {"acc": 80.37, "nmi": None}, "mnist-test": None},
    "sae-kmeans": {"mnist-full": {"acc": 78.17, "nmi": 71.46},
                   "mnist-test": {"acc": 66.81, "nmi": 59.59}},
    "sae-dec": {"mnist-full": {"acc": 84.08, "nmi": 81.28},
            "mnist-test": {"acc": 69.94, "nmi": 67.69}},
    "sae-idec": {"mnist-full": {"acc": 84.21, "nmi": 83.81},
             "mnist-test": {"acc": 71.45, "nmi": 69.40}},
    "cae-kmeans": {"mnist-full": {"acc": 84.90, "nmi": 79.27},
                   "mnist-test": {"acc": 79.00, "nmi": 72.55}},
    "cae-dec": {"mnist-full": {"acc": 88.63, "nmi": 87.59},
                 "mnist-test": {"acc": 84.83, "nmi": 82.62}},
    "cae-idec": {"mnist-full": {"acc": 88.97, "nmi": 88.49},
             "mnist-test": {"acc": 85.29, "nmi": 83.61}},
    "proposed-kmeans": {"mnist-full": {"acc": 87.82, "nmi": 85.12},
                            "mnist-test": {"acc": 81.62, "nmi": 76.59}},
    "cae-ward": {"mnist-full": {"acc": 92.38, "nmi": 88.48},
                 "mnist-test": {"acc": 81.05, "nmi": 79.52}},
    "proposed-ward": {"mnist-full": {"acc": 95.63, "nmi": 91.92},
                          "mnist-test": {"acc": 87.53, "nmi": 84.10}},
}

#: N2D's reported numbers (McConville et al. 2019, autoencoder + UMAP + Gaussian
#: mixture), quoted for chapter 6; not the paper's, never measured here.
N2D = {"mnist-full": {"acc": 97.9, "nmi": 94.2}, "mnist-test": {"acc": 94.8, "nmi": 88.2}}
